"""rypb: the project's protobuf messages for the Python test tools,
generated from proto/rongyu.proto (the client API) and
proto/rongyu_services.proto (between the services) with protoc into a
temporary directory, removed once they are imported. load() returns one
namespace holding both."""
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import types


def load(source_dir):
    """Returns a module-like namespace with the messages and enums of
    rongyu_pb2 and rongyu_services_pb2 built from source_dir/proto."""
    out = tempfile.mkdtemp(prefix="rypb-")
    subprocess.check_call(["protoc", "--proto_path=" + os.path.join(source_dir, "proto"),
                           "--python_out=" + out, "rongyu.proto", "rongyu_services.proto"])
    sys.path.insert(0, out)
    try:
        ns = types.SimpleNamespace()
        for name in ("rongyu_pb2", "rongyu_services_pb2"):
            mod = importlib.import_module(name)
            for k, v in vars(mod).items():
                if not k.startswith("_"):
                    setattr(ns, k, v)
    finally:
        sys.path.remove(out)
        shutil.rmtree(out, ignore_errors=True)
    return ns
