import type { Rule } from '../rule';
import { condaFile } from './conda-file';
import { condaInvalid } from './conda-invalid';
import { condaOwnedPip } from './conda-owned-pip';
import { condaPinConflict } from './conda-pin-conflict';
import { condaPythonVersion } from './conda-python-version';
import { dataManagerMissing } from './data-manager-missing';
import { datasetColumns } from './dataset-columns';
import { dataTags } from './data-tags';
import { evaluateReturnShape } from './evaluate-return-shape';
import { fitReturnType } from './fit-return-type';
import { fedproxUnused } from './fedprox-unused';
import { flavorMismatch } from './flavor-mismatch';
import { flowerPinConflict } from './flower-pin-conflict';
import { initLoadsData } from './init-loads-data';
import { initRequiresArgs } from './init-requires-args';
import { loadDatasetUnused } from './load-dataset-unused';
import { methodSignature } from './method-signature';
import { mlflowImport } from './mlflow-import';
import { modelManagerClass } from './model-manager-class';
import { modelManagerFile } from './model-manager-file';
import { modelManagerMethodsRule } from './model-manager-methods';
import { parametersReturnType } from './parameters-return-type';
import { paramsBeforeFit } from './params-before-fit';
import { projectConfig } from './project-config';
import { pythonSyntax } from './python-syntax';
import { repoUrl } from './repo-url';
import { reservedFile } from './reserved-file';
import { shadowedModule } from './shadowed-module';
import { unpushedChanges } from './unpushed-changes';
import { unreadableFile } from './unreadable-file';
import { unsupportedFlavor } from './unsupported-flavor';

/** The rule catalogue of flops-contract.md §3, plus python-syntax and unreadable-file, in catalogue order. */
export const allRules: readonly Rule[] = [
  modelManagerFile,
  condaFile,
  modelManagerClass,
  modelManagerMethodsRule,
  methodSignature,
  initRequiresArgs,
  initLoadsData,
  paramsBeforeFit,
  evaluateReturnShape,
  fitReturnType,
  dataManagerMissing,
  loadDatasetUnused,
  mlflowImport,
  condaInvalid,
  condaPythonVersion,
  condaOwnedPip,
  reservedFile,
  shadowedModule,
  flavorMismatch,
  fedproxUnused,
  unsupportedFlavor,
  repoUrl,
  dataTags,
  parametersReturnType,
  condaPinConflict,
  flowerPinConflict,
  datasetColumns,
  projectConfig,
  unpushedChanges,
  pythonSyntax,
  unreadableFile,
];
