/**
 * Finds the places in our sources that swallow an error without a word: a `catch {}` block with
 * no statement and no comment, and a `.catch(() => undefined)` or `.then(f, () => undefined)` (or
 * `{}`, `null`, `void 0`) with no comment on its lines or the line above. Such a place either logs or says why silence is
 * right; tests/unit/no-silent-catch.test.ts holds every source file to that.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface SilentCatch {
  /** `path:line` from the scanned root. */
  where: string;
  /** The offending source line, trimmed. */
  line: string;
}

const COMMENT = /\/\/|\/\*/;

/** Whether an arrow/function handler does nothing: an empty block, or `undefined`/`null`/`void 0`/`{}`. */
function doesNothing(handler: ts.Expression): boolean {
  if (!ts.isArrowFunction(handler) && !ts.isFunctionExpression(handler)) return false;
  const body = handler.body;
  if (ts.isBlock(body)) return body.statements.length === 0;
  let expr: ts.Expression = body;
  while (ts.isParenthesizedExpression(expr)) expr = expr.expression;
  if (ts.isIdentifier(expr) && expr.text === 'undefined') return true;
  if (expr.kind === ts.SyntaxKind.NullKeyword) return true;
  if (ts.isVoidExpression(expr) && ts.isLiteralExpression(expr.expression)) return true;
  return ts.isObjectLiteralExpression(expr) && expr.properties.length === 0;
}

/** The silent catches in one file's text. */
export function findSilentCatches(fileName: string, text: string): SilentCatch[] {
  if (!/catch|then/.test(text)) return []; // most files: no parse needed
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lines = text.split('\n');
  const found: SilentCatch[] = [];
  const report = (node: ts.Node): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
    found.push({ where: `${fileName}:${line + 1}`, line: (lines[line] ?? '').trim() });
  };
  /** A comment anywhere from the line above `node` to the end of its last line. */
  const commented = (node: ts.Node): boolean => {
    const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
    const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
    return lines.slice(Math.max(0, first - 1), last + 1).some((l) => COMMENT.test(l));
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCatchClause(node)) {
      const block = node.block;
      const inside = text.slice(block.getStart(source), block.getEnd());
      if (block.statements.length === 0 && !COMMENT.test(inside)) report(node);
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      // `.catch(handler)`, or the rejection handler of `.then(onFulfilled, onRejected)`.
      const name = node.expression.name.text;
      const handler =
        name === 'catch' && node.arguments.length === 1
          ? node.arguments[0]
          : name === 'then' && node.arguments.length === 2
            ? node.arguments[1]
            : undefined;
      if (handler && doesNothing(handler) && !commented(node.expression.name) && !commented(handler))
        report(node.expression.name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every `.ts` file under `dir` (node_modules and dot-folders skipped). */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The silent catches in every source file under `dirs` (paths relative to `root`). */
export function scanForSilentCatches(root: string, dirs: readonly string[]): SilentCatch[] {
  return dirs.flatMap((dir) =>
    sourceFiles(join(root, dir)).flatMap((path) =>
      findSilentCatches(relative(root, path), readFileSync(path, 'utf8')),
    ),
  );
}
