import warnings

import numpy as np
from data_manager import DataManager
from flops_utils.ml_repo_templates import ModelManagerTemplate
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

# TODO: adjust to your data. MNIST has 28 x 28 = 784 pixel features and 10 classes.
N_FEATURES = 784
N_CLASSES = 10
# FLOps sends no per-round configuration, so local training settings live here.
LOCAL_EPOCHS = 1


class ModelManager(ModelManagerTemplate):
    def __init__(self):
        # Runs on the aggregator too, which has no data: build the model, never load data here.
        # warm_start makes each local fit continue from the global weights set by FLOps.
        self.model = LogisticRegression(max_iter=LOCAL_EPOCHS, warm_start=True)
        # The aggregator asks for the initial parameters before anything is fitted, and an
        # unfitted estimator has no coef_: start from zeros of the right shape instead.
        # (For two classes sklearn keeps a single row of coefficients.)
        n_rows = 1 if N_CLASSES == 2 else N_CLASSES
        self.model.classes_ = np.arange(N_CLASSES)
        self.model.coef_ = np.zeros((n_rows, N_FEATURES))
        self.model.intercept_ = np.zeros(n_rows)

    def set_model_data(self) -> None:
        (self.x_train, self.y_train), (self.x_test, self.y_test) = DataManager().get_data()

    def get_model(self) -> LogisticRegression:
        return self.model

    def get_model_parameters(self) -> list[np.ndarray]:
        return [self.model.coef_, self.model.intercept_]

    def set_model_parameters(self, parameters) -> None:
        # Same order as get_model_parameters.
        self.model.coef_ = parameters[0]
        self.model.intercept_ = parameters[1]

    def fit_model(self) -> int:
        with warnings.catch_warnings():
            # A few iterations per round never converge; that is expected in FL.
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.fit(self.x_train, self.y_train)
        # FedAvg weights this learner's update by its number of training examples.
        return int(len(self.x_train))

    def evaluate_model(self) -> tuple[float, float, int]:
        probabilities = self.model.predict_proba(self.x_test)
        loss = log_loss(self.y_test, probabilities, labels=self.model.classes_)
        accuracy = self.model.score(self.x_test, self.y_test)
        # Flower needs a Python float loss and an int count, not numpy scalars.
        return float(loss), float(accuracy), int(len(self.x_test))
