import mlflow
import numpy as np
from data_manager import DataManager
from flops_utils.ml_repo_templates import ModelManagerTemplate
from sklearn.linear_model import LogisticRegression

N_FEATURES = 784
N_CLASSES = 10


class ModelManager(ModelManagerTemplate):
    def __init__(self):
        self.model = LogisticRegression(max_iter=1, warm_start=True)
        mlflow.sklearn.autolog()

    def set_model_data(self) -> None:
        (self.x_train, self.y_train), (self.x_test, self.y_test) = DataManager().get_data()

    def get_model(self):
        return self.model

    def get_model_parameters(self):
        return [self.model.coef_, self.model.intercept_]

    def set_model_parameters(self, parameters) -> None:
        self.model.coef_ = parameters[0]
        self.model.intercept_ = parameters[1]

    def fit_model(self, epochs):
        self.model.fit(self.x_train, self.y_train)
        return self.model
