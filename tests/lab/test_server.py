"""Starting the lab: loopback by default, a remote host only when asked, the port."""

from __future__ import annotations

import socket

import pytest

from glassnet.errors import ConfigError
from glassnet.lab.server import allowed_hosts, listening_socket


def test_only_loopback_names_are_allowed_and_a_remote_host_needs_the_flag():
    assert allowed_hosts("127.0.0.1", 8000, False) == ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"]
    with pytest.raises(ConfigError, match="--allow-remote"):
        allowed_hosts("0.0.0.0", 8000, False)
    assert allowed_hosts("0.0.0.0", 8000, True) is None


def test_a_taken_port_is_refused_by_name_and_the_default_moves_on():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"port {port} on 127.0.0.1 is in use"):
            listening_socket("127.0.0.1", port)
    with listening_socket("127.0.0.1", None) as listener:
        assert 8765 <= listener.getsockname()[1] < 8775
