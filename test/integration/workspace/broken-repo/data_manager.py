import numpy as np
from flops_utils.ml_repo_building_blocks import load_dataset
from flops_utils.ml_repo_templates import DataManagerTemplate


class DataManager(DataManagerTemplate):
    def __init__(self):
        self.train, self.test = self._prepare_data()

    def _prepare_data(self):
        dataset = load_dataset().with_format("numpy")
        splits = dataset.train_test_split(test_size=0.2, seed=42)
        return self._arrays(splits["train"]), self._arrays(splits["test"])

    @staticmethod
    def _arrays(part):
        x = part["image"].reshape(len(part), -1).astype(np.float32) / 255.0
        return x, part["label"]

    def get_data(self):
        return self.train, self.test
