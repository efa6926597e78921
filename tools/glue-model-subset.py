#!/usr/bin/env python3
"""Writes src/Eddy.Protocol/Models/glue-2017-03-31.json: the subset of botocore's Glue model that Eddy serves.

The full Glue model is about 1 MB (hundreds of operations); Eddy embeds only the operations below and every shape they
reach (inputs, outputs, errors, transitively), with the documentation strings removed. Run it with the botocore that
the AWS CLI / boto3 of the test tier use: python3 tools/glue-model-subset.py
"""
import gzip, json, os, sys
import botocore

OPERATIONS = ["CreateDatabase", "GetDatabase", "GetDatabases", "DeleteDatabase",
              "CreateTable", "GetTable", "GetTables", "UpdateTable", "DeleteTable"]

root = os.path.join(os.path.dirname(botocore.__file__), "data", "glue", "2017-03-31")
path = os.path.join(root, "service-2.json.gz")
model = json.load(gzip.open(path)) if os.path.exists(path) else json.load(open(os.path.join(root, "service-2.json")))

def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k != "documentation"}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node

shapes, todo = set(), []
def reach(name):
    if name not in shapes:
        shapes.add(name)
        todo.append(name)

operations = {}
for name in OPERATIONS:
    op = model["operations"][name]
    operations[name] = strip(op)
    for ref in [op.get("input"), op.get("output")] + op.get("errors", []):
        if ref:
            reach(ref["shape"])
while todo:
    shape = model["shapes"][todo.pop()]
    for key in ("member", "key", "value"):
        if key in shape:
            reach(shape[key]["shape"])
    for member in shape.get("members", {}).values():
        reach(member["shape"])

subset = {"version": model.get("version", "2.0"), "metadata": model["metadata"], "operations": operations,
          "shapes": {n: strip(model["shapes"][n]) for n in sorted(shapes)}}
out = os.path.join(os.path.dirname(__file__), "..", "src", "Eddy.Protocol", "Models", "glue-2017-03-31.json")
with open(out, "w") as f:
    json.dump(subset, f, indent=1, sort_keys=False)
    f.write("\n")
print(f"botocore {botocore.__version__}: {len(operations)} operations, {len(shapes)} shapes -> {os.path.normpath(out)}")
