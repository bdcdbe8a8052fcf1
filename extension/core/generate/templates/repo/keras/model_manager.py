import keras
import numpy as np
from data_manager import DataManager
from flops_utils.ml_repo_templates import ModelManagerTemplate

# TODO: adjust to your data. CIFAR-10 has 32 x 32 RGB images and 10 classes.
INPUT_SHAPE = (32, 32, 3)
N_CLASSES = 10
# FLOps sends no per-round configuration, so local training settings live here.
LOCAL_EPOCHS = 1
BATCH_SIZE = 32


def build_model() -> keras.Model:
    # A small CNN: replace it with your own network.
    model = keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(N_CLASSES, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class ModelManager(ModelManagerTemplate):
    def __init__(self):
        # Runs on the aggregator too, which has no data: building the model initialises its
        # weights, which the aggregator sends out as the initial parameters. Never load data here.
        self.model = build_model()

    def set_model_data(self) -> None:
        (self.x_train, self.y_train), (self.x_test, self.y_test) = DataManager().get_data()

    def get_model(self) -> keras.Model:
        return self.model

    def get_model_parameters(self) -> list[np.ndarray]:
        return self.model.get_weights()

    def set_model_parameters(self, parameters) -> None:
        self.model.set_weights(parameters)

    def fit_model(self) -> int:
        self.model.fit(self.x_train, self.y_train, epochs=LOCAL_EPOCHS, batch_size=BATCH_SIZE, verbose=0)
        # FedAvg weights this learner's update by its number of training examples.
        return int(len(self.x_train))

    def evaluate_model(self) -> tuple[float, float, int]:
        loss, accuracy = self.model.evaluate(self.x_test, self.y_test, batch_size=BATCH_SIZE, verbose=0)
        # Flower needs a Python float loss and an int count, not numpy scalars.
        return float(loss), float(accuracy), int(len(self.x_test))
