"""The ServerApp's settings from the run config (``[tool.flwr.app.config]``, overridable with
``flwr run --run-config``). Plain Python: no Flower import."""

from typing import Dict

COMMON_ARGUMENTS = {
    "fraction-train": ("fraction_train", float),
    "fraction-evaluate": ("fraction_evaluate", float),
    "min-train-nodes": ("min_train_nodes", int),
    "min-evaluate-nodes": ("min_evaluate_nodes", int),
    "min-available-nodes": ("min_available_nodes", int),
}

# The strategy-specific constructor arguments of flwr.serverapp.strategy (flower-mlflow.md §2).
STRATEGY_ARGUMENTS = {
    "FedAvg": {},
    "FedProx": {"proximal-mu": ("proximal_mu", float)},
    "FedAdam": {
        "eta": ("eta", float),
        "eta-l": ("eta_l", float),
        "beta-1": ("beta_1", float),
        "beta-2": ("beta_2", float),
        "tau": ("tau", float),
    },
    "FedYogi": {
        "eta": ("eta", float),
        "eta-l": ("eta_l", float),
        "beta-1": ("beta_1", float),
        "beta-2": ("beta_2", float),
        "tau": ("tau", float),
    },
    "FedAdagrad": {"eta": ("eta", float), "eta-l": ("eta_l", float), "tau": ("tau", float)},
    "FedMedian": {},
    "FedTrimmedAvg": {"beta": ("beta", float)},
    "Krum": {"num-malicious-nodes": ("num_malicious_nodes", int)},
}

ROUND_KEYS = {"local-epochs": int, "lr": float, "batch-size": int}


def strategy_name(run_config: Dict) -> str:
    name = str(run_config.get("strategy", "FedAvg"))
    if name not in STRATEGY_ARGUMENTS:
        raise ValueError(f'unknown strategy "{name}"; use one of {", ".join(STRATEGY_ARGUMENTS)}')
    return name


def strategy_arguments(run_config: Dict) -> Dict:
    """Keyword arguments of the strategy's constructor: the keys present in the run config."""
    table = dict(COMMON_ARGUMENTS)
    table.update(STRATEGY_ARGUMENTS[strategy_name(run_config)])
    return {name: cast(run_config[key]) for key, (name, cast) in table.items() if key in run_config}


def round_settings(run_config: Dict) -> Dict:
    """What every learner receives each round (the strategy's train and evaluate config)."""
    return {key: cast(run_config[key]) for key, cast in ROUND_KEYS.items() if key in run_config}


def num_rounds(run_config: Dict) -> int:
    rounds = int(run_config.get("num-server-rounds", 3))
    if rounds < 1:
        raise ValueError(f"num-server-rounds must be at least 1, got {rounds}")
    return rounds

