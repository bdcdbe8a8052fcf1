import type { Range } from '../findings/finding';

/**
 * What the linter knows about one Python file: a compact summary extracted from the tree-sitter syntax
 * tree (io/python-analyzer.ts). Rules work on this model only, so they are plain functions over data,
 * the summaries are cheap to cache per file, and they cross worker-thread boundaries by structured clone.
 */

/** An expression reduced to what the rules can prove about it. `callee` is the dotted callee text. */
export interface PyExpr {
  readonly kind:
    | 'tuple'
    | 'list'
    | 'comprehension'
    | 'dict'
    | 'call'
    | 'none'
    | 'int'
    | 'float'
    | 'string'
    | 'bool'
    | 'name'
    | 'attribute'
    | 'other';
  readonly text: string;
  readonly range: Range;
  readonly callee?: string;
  readonly elements?: readonly PyExpr[];
}

export interface PyReturn {
  readonly range: Range;
  /** Absent for a bare `return`. */
  readonly value?: PyExpr;
}

export interface PyCall {
  readonly callee: string;
  readonly range: Range;
}

export interface PyParam {
  readonly name: string;
  readonly kind: 'positional' | 'varargs' | 'kwargs' | 'keywordOnly';
  readonly hasDefault: boolean;
}

export interface PyFunction {
  readonly name: string;
  readonly range: Range;
  readonly nameRange: Range;
  readonly params: readonly PyParam[];
  readonly decorators: readonly string[];
  readonly isAsync: boolean;
  /** `return` statements of this function, not of nested functions or classes. */
  readonly returns: readonly PyReturn[];
  /** Every call in the body (nested functions included), by dotted callee text. */
  readonly calls: readonly PyCall[];
  /** Names of methods called as `self.name(...)`. */
  readonly selfCalls: readonly string[];
  /** Attribute chains read from `self`, without the `self.` prefix: `model.coef_`. */
  readonly selfReads: readonly string[];
  /** Attribute chains assigned on `self` (targets of `=`, augmented and annotated assignments). */
  readonly selfWrites: readonly string[];
  /** String-literal subscripts in the body (`batch["img"]`): the key and the range of its text (inside the quotes). */
  readonly stringSubscripts: readonly { readonly key: string; readonly range: Range }[];
}

export interface PyClass {
  readonly name: string;
  readonly range: Range;
  readonly nameRange: Range;
  /** Base class expressions as written: `ModelManagerTemplate`, `templates.ModelManagerTemplate`. */
  readonly bases: readonly string[];
  readonly methods: readonly PyFunction[];
  /** Names bound at class level by assignment (`fit_model = _fit`). */
  readonly classAssigns: readonly string[];
  /** Indentation of the body's statements and the line after which new members can be appended. */
  readonly bodyIndent: string;
  readonly lastLine: number;
}

export interface PyImport {
  /** `import a.b` → `a.b`; `from .x import y` → `x` with level 1. */
  readonly module: string;
  readonly level: number;
  /** Imported names for `from` imports (`*` for a star import); empty for `import a.b`. */
  readonly names: readonly { readonly name: string; readonly alias?: string }[];
  readonly alias?: string;
  readonly kind: 'import' | 'from';
  /** The whole statement, for fixes that delete it. */
  readonly range: Range;
}

export interface PySyntaxError {
  readonly range: Range;
  readonly message: string;
}

export interface PyModule {
  /**
   * `outline`: syntax errors, top-level imports, and top-level class and function names, for every file.
   * `full`: also bodies (calls, returns, attribute use, nested imports), for the files rules inspect.
   */
  readonly detail: 'outline' | 'full';
  readonly syntaxErrors: readonly PySyntaxError[];
  readonly imports: readonly PyImport[];
  readonly classes: readonly PyClass[];
  readonly functions: readonly PyFunction[];
  /** Calls at module level and in top-level functions and classes, by dotted callee. */
  readonly calls: readonly PyCall[];
  /** Names bound at module level by assignment. */
  readonly assigns: readonly string[];
  /** Expression statements whose callee starts with a name, kept for fixes that remove calls. */
  readonly callStatements: readonly PyCall[];
}
