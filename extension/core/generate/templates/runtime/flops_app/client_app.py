"""ClientApp: one learner, whose partition comes from the node config (``partition-id``,
``num-partitions``, optionally ``data-path``).

Thin Flower layer (Message API, Flower >= 1.23): the FLOps call order lives in ``adapter``, and the
learner's ``ModelManager`` lives in its learner host (``learner_host``), built once per run, because
Flower starts a fresh ClientApp process for every message.
"""

from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from flops_app import learner_host

app = ClientApp()


def _config(msg: Message) -> dict:
    return dict(msg.content["config"]) if "config" in msg.content else {}


@app.train()
def train(msg: Message, context: Context) -> Message:
    learner = learner_host.RemoteLearner(context.node_config, context.run_config, context.run_id)
    parameters, metrics = learner.train(msg.content["arrays"].to_numpy_ndarrays(), _config(msg))
    content = RecordDict({"arrays": ArrayRecord(parameters), "metrics": MetricRecord(metrics)})
    return Message(content=content, reply_to=msg)


@app.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    learner = learner_host.RemoteLearner(context.node_config, context.run_config, context.run_id)
    metrics = learner.evaluate(msg.content["arrays"].to_numpy_ndarrays(), _config(msg))
    return Message(content=RecordDict({"metrics": MetricRecord(metrics)}), reply_to=msg)
