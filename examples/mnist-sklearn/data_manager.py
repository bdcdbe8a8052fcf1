import numpy as np
from flops_utils.ml_repo_building_blocks import load_dataset
from flops_utils.ml_repo_templates import DataManagerTemplate

# The dataset behind the "digits" tag has one column per pixel of an 8 x 8 image, each an
# intensity from 0 to 16 (see data/digits.csv), and the digit in "label".
N_PIXELS = 64
PIXEL_COLUMNS = [f"pixel_{i}" for i in range(N_PIXELS)]
MAX_INTENSITY = 16.0


def to_arrays(part) -> tuple[np.ndarray, np.ndarray]:
    x = np.column_stack([part[column] for column in PIXEL_COLUMNS]).astype(np.float32) / MAX_INTENSITY
    y = part["label"].astype(np.int64)
    return x, y


class DataManager(DataManagerTemplate):
    def __init__(self):
        self.train, self.test = self._prepare_data()

    def _prepare_data(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        # Everything this learner's node holds for the project's data tags, split locally.
        dataset = load_dataset().with_format("numpy")
        splits = dataset.train_test_split(test_size=0.2, seed=42)
        return to_arrays(splits["train"]), to_arrays(splits["test"])

    def get_data(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        return self.train, self.test
