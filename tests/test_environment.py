"""minidl.environment: what a record says about the numpy, BLAS kernel, threads and platform behind it."""

import json
import platform

import numpy as np
import threadpoolctl

from minidl.environment import describe, environment, numpy_blas, same_environment


def test_the_environment_names_numpy_its_blas_kernel_the_threads_and_the_platform():
    found = environment(threads=[1])
    assert json.loads(json.dumps(found)) == found  # JSON-ready as it is
    assert found["numpy"] == np.__version__ and found["threads"] == [1]
    assert (found["platform"], found["machine"]) == (platform.system(), platform.machine())
    blas = numpy_blas()
    assert found["blas"] == {key: blas[key] for key in ("internal_api", "version", "architecture")}


def test_numpy_blas_is_the_library_loaded_by_numpy_when_there_are_several():
    libraries = [entry for entry in threadpoolctl.threadpool_info() if entry["user_api"] == "blas"]
    chosen = numpy_blas()
    assert chosen in libraries
    if any("numpy" in entry["filepath"] for entry in libraries):
        assert "numpy" in chosen["filepath"]


def test_without_threads_given_the_current_blas_limit_is_recorded():
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        assert environment()["threads"] == [1]


def test_two_environments_are_the_same_only_if_every_entry_is():
    here = environment(threads=[1])
    other = json.loads(json.dumps(here))
    assert same_environment(here, other)
    other["blas"]["architecture"] += "-other"
    assert not same_environment(here, other)
    assert not same_environment(None, here)


def test_describe_gives_one_readable_line():
    line = describe({"numpy": "2.4.6", "blas": {"internal_api": "openblas", "version": "0.3.31", "architecture":
                     "Haswell"}, "threads": [1], "platform": "Linux", "machine": "x86_64"})
    assert line == "numpy 2.4.6, openblas 0.3.31 Haswell, 1 thread, Linux x86_64"
    assert describe(None) == "an unrecorded environment"
