import kerasData from './templates/repo/keras/data_manager.py';
import kerasConda from './templates/repo/keras/conda.yaml';
import kerasModel from './templates/repo/keras/model_manager.py';
import pytorchData from './templates/repo/pytorch/data_manager.py';
import pytorchConda from './templates/repo/pytorch/conda.yaml';
import pytorchModel from './templates/repo/pytorch/model_manager.py';
import sklearnData from './templates/repo/sklearn/data_manager.py';
import sklearnConda from './templates/repo/sklearn/conda.yaml';
import sklearnModel from './templates/repo/sklearn/model_manager.py';

export type TemplateFlavor = 'sklearn' | 'pytorch' | 'keras';
export type RepoTemplateFile = 'model_manager.py' | 'data_manager.py' | 'conda.yaml';

const templates: Record<TemplateFlavor, Record<RepoTemplateFile, string>> = {
  sklearn: { 'model_manager.py': sklearnModel, 'data_manager.py': sklearnData, 'conda.yaml': sklearnConda },
  pytorch: { 'model_manager.py': pytorchModel, 'data_manager.py': pytorchData, 'conda.yaml': pytorchConda },
  keras: { 'model_manager.py': kerasModel, 'data_manager.py': kerasData, 'conda.yaml': kerasConda },
};

/** The FLOps repo template for a flavor (tensorflow repos use the keras template). */
export function templateFor(flavor: TemplateFlavor | 'tensorflow', file: RepoTemplateFile): string {
  return templates[flavor === 'tensorflow' ? 'keras' : flavor][file];
}
