import warnings

import numpy as np
from data_manager import N_PIXELS, DataManager
from flops_utils.ml_repo_templates import ModelManagerTemplate
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

N_CLASSES = 10  # the digits 0 to 9
LOCAL_ITERATIONS = 5  # solver iterations per FL round; FLOps has no per-round configuration


class ModelManager(ModelManagerTemplate):
    def __init__(self):
        # The aggregator constructs this class without any data and immediately asks for the
        # initial parameters, so the fitted attributes must exist before the first fit.
        self.model = LogisticRegression(C=1.0, max_iter=LOCAL_ITERATIONS, warm_start=True)
        self.model.classes_ = np.arange(N_CLASSES)
        self.model.coef_ = np.zeros((N_CLASSES, N_PIXELS))
        self.model.intercept_ = np.zeros(N_CLASSES)

    def set_model_data(self) -> None:
        (self.x_train, self.y_train), (self.x_test, self.y_test) = DataManager().get_data()

    def get_model(self) -> LogisticRegression:
        return self.model

    def get_model_parameters(self) -> list[np.ndarray]:
        return [self.model.coef_, self.model.intercept_]

    def set_model_parameters(self, parameters) -> None:
        coef, intercept = parameters
        self.model.coef_ = np.asarray(coef, dtype=np.float64)
        self.model.intercept_ = np.asarray(intercept, dtype=np.float64)

    def fit_model(self) -> int:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.fit(self.x_train, self.y_train)
        return int(len(self.y_train))

    def evaluate_model(self) -> tuple[float, float, int]:
        predicted = self.model.predict_proba(self.x_test)
        loss = log_loss(self.y_test, predicted, labels=np.arange(N_CLASSES))
        accuracy = float(np.mean(self.model.predict(self.x_test) == self.y_test))
        return float(loss), accuracy, int(len(self.y_test))
