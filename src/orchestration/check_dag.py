"""Reads an Airflow DAG file's settings from its syntax tree, without Airflow, and prints them as JSON.

Usage: python3 check_dag.py dags/<file>.py

Module-level assignments are evaluated when they are simple: constants, f-strings, dicts, lists,
``os.environ.get(name, default)`` and ``Variable.get(name, default_var=...)`` (both give the default),
``datetime(...)`` (ISO text) and ``timedelta(...)`` (seconds). Anything else is reported as
``{"unresolved": "<source>"}``. Output: docstring, DAG_ID, the DAG(...) keywords, every
``*Operator(...)`` assigned to a name with its class and keywords, and the ``>>`` edges.
"""
import ast
import datetime
import json
import sys


class Unresolved(Exception):
    pass


def call_name(node):
    func = node.func
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def evaluate(node, env):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        raise Unresolved(node.id)
    if isinstance(node, ast.JoinedStr):
        out = ""
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                out += str(evaluate(value.value, env))
            else:
                out += str(evaluate(value, env))
        return out
    if isinstance(node, ast.Dict):
        return {evaluate(k, env): evaluate(v, env) for k, v in zip(node.keys, node.values)}
    if isinstance(node, (ast.List, ast.Tuple)):
        return [evaluate(e, env) for e in node.elts]
    if isinstance(node, ast.Call):
        name = call_name(node)
        kwargs = {k.arg: k.value for k in node.keywords}
        if name in ("os.environ.get", "os.getenv"):
            return evaluate(node.args[1], env) if len(node.args) > 1 else None
        if name == "Variable.get":
            if "default_var" in kwargs:
                return evaluate(kwargs["default_var"], env)
            return evaluate(node.args[1], env) if len(node.args) > 1 else None
        if name in ("datetime", "datetime.datetime"):
            args = [evaluate(a, env) for a in node.args]
            return datetime.datetime(*args).isoformat()
        if name in ("timedelta", "datetime.timedelta"):
            values = {k: evaluate(v, env) for k, v in kwargs.items()}
            return datetime.timedelta(**values).total_seconds()
    raise Unresolved(ast.unparse(node))


def value_of(node, env):
    try:
        return evaluate(node, env)
    except Unresolved:
        return {"unresolved": ast.unparse(node)}


def chain(node):
    """The task names of ``a >> b >> c`` in order, or None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        left = chain(node.left)
        right = chain(node.right)
        if left is not None and right is not None:
            return left + right
        return None
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.List):
        names = [e.id for e in node.elts if isinstance(e, ast.Name)]
        return [names] if len(names) == len(node.elts) else None
    return None


def inspect(path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=path)
    env = {}
    result = {"file": path, "docstring": ast.get_docstring(tree), "dag_id": None, "dag": None, "operators": [], "edges": []}

    def visit(statements):
        for statement in statements:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                target = statement.targets[0].id
                if isinstance(statement.value, ast.Call) and call_name(statement.value).endswith("Operator"):
                    result["operators"].append({
                        "variable": target,
                        "class": call_name(statement.value),
                        "kwargs": {k.arg: value_of(k.value, env) for k in statement.value.keywords},
                    })
                    env[target] = {"task": target}
                    continue
                try:
                    env[target] = evaluate(statement.value, env)
                except Unresolved:
                    pass
            elif isinstance(statement, ast.With):
                for item in statement.items:
                    if isinstance(item.context_expr, ast.Call) and call_name(item.context_expr) in ("DAG", "airflow.DAG"):
                        result["dag"] = {k.arg: value_of(k.value, env) for k in item.context_expr.keywords}
                visit(statement.body)
            elif isinstance(statement, ast.Expr):
                names = chain(statement.value)
                if names is not None and len(names) > 1:
                    for left, right in zip(names, names[1:]):
                        for a in left if isinstance(left, list) else [left]:
                            for b in right if isinstance(right, list) else [right]:
                                result["edges"].append([a, b])

    visit(tree.body)
    result["dag_id"] = env.get("DAG_ID")
    return result


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write("usage: python3 check_dag.py <dag file>\n")
        sys.exit(2)
    print(json.dumps(inspect(sys.argv[1]), indent=2, default=str))
