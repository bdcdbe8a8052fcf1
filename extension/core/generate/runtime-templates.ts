import adapterPy from './templates/runtime/flops_app/adapter.py';
import checkPy from './templates/runtime/flops_app/check.py';
import clientAppPy from './templates/runtime/flops_app/client_app.py';
import framesPy from './templates/runtime/flops_app/frames.py';
import learnerHostPy from './templates/runtime/flops_app/learner_host.py';
import appInitPy from './templates/runtime/flops_app/__init__.py';
import metricsLinePy from './templates/runtime/flops_app/metrics_line.py';
import mlflowRestPy from './templates/runtime/flops_app/mlflow_rest.py';
import serverAppPy from './templates/runtime/flops_app/server_app.py';
import settingsPy from './templates/runtime/flops_app/settings.py';
import waitForPy from './templates/runtime/flops_app/wait_for.py';
import utilsInitPy from './templates/runtime/flops_utils/__init__.py';
import localDataPy from './templates/runtime/flops_utils/local_data.py';
import buildingBlocksPy from './templates/runtime/flops_utils/ml_repo_building_blocks.py';
import repoTemplatesPy from './templates/runtime/flops_utils/ml_repo_templates.py';
import partitioningPy from './templates/runtime/flops_utils/partitioning.py';
import pyprojectToml from './templates/runtime/pyproject.toml';

/**
 * The runtime templates (real files under templates/runtime/, bundled as text), by the path they get
 * in the output folder. The Python files are copied verbatim; pyproject.toml has placeholders.
 */
export const runtimePythonFiles: Readonly<Record<string, string>> = {
  'flops_app/__init__.py': appInitPy,
  'flops_app/adapter.py': adapterPy,
  'flops_app/settings.py': settingsPy,
  'flops_app/metrics_line.py': metricsLinePy,
  'flops_app/mlflow_rest.py': mlflowRestPy,
  'flops_app/server_app.py': serverAppPy,
  'flops_app/client_app.py': clientAppPy,
  'flops_app/learner_host.py': learnerHostPy,
  'flops_app/check.py': checkPy,
  'flops_app/frames.py': framesPy,
  'flops_app/wait_for.py': waitForPy,
  'flops_utils/__init__.py': utilsInitPy,
  'flops_utils/ml_repo_templates.py': repoTemplatesPy,
  'flops_utils/partitioning.py': partitioningPy,
  'flops_utils/local_data.py': localDataPy,
  'flops_utils/ml_repo_building_blocks.py': buildingBlocksPy,
};

export const pyprojectTemplate: string = pyprojectToml;
