"""rypb: the project's protobuf messages for the Python test tools,
generated from proto/rongyu.proto with protoc into a temporary directory."""
import importlib
import os
import subprocess
import sys
import tempfile


def load(source_dir):
    """Returns the rongyu_pb2 module built from source_dir/proto."""
    out = tempfile.mkdtemp(prefix="rypb-")
    subprocess.check_call(["protoc", "--proto_path=" + os.path.join(source_dir, "proto"),
                           "--python_out=" + out, "rongyu.proto"])
    sys.path.insert(0, out)
    return importlib.import_module("rongyu_pb2")
