"""The fast request path: the server's loop sleeps while a request's thread hands its answer over."""

from __future__ import annotations

import http.client
import threading
import time

from derbygraph.config import DEFAULT


def test_the_loop_sleeps_while_a_requests_thread_hands_its_answer_over(monkeypatch):
    """A thread sending an answer holds its connection's buffer lock; the loop must not spin on
    that lock meanwhile (waitress's loop polled again at once, ~40 times a point lookup)."""
    from waitress import wasyncore
    from waitress.channel import HTTPChannel

    from derbygraph.web.server import bind, make_server

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    listener = bind("127.0.0.1", 0)
    server = make_server(app, listener, DEFAULT)
    flush = HTTPChannel._flush_some

    def slow_flush(self, do_close=True):  # a send that takes 0.3 s, made by the request's thread
        if threading.current_thread() is not serving:
            time.sleep(0.3)
        return flush(self, do_close)
    monkeypatch.setattr(HTTPChannel, "_flush_some", slow_flush)
    polls = []
    poll2 = wasyncore.poll2
    monkeypatch.setattr(wasyncore, "poll2", lambda timeout=0.0, map=None: polls.append(1) or poll2(timeout, map))
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
    serving = threading.Thread(target=serve)
    serving.start()
    try:
        connection = http.client.HTTPConnection(*listener.getsockname()[:2], timeout=10)
        connection.request("GET", "/")
        polls.clear()
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"ok")
        # 0.3 s of the thread sending (the header, then the body: 0.6 s): a sleeping loop wakes
        # at its 0.05 s timeout, a dozen times; a spinning one thousands of times
        assert len(polls) < 100
        connection.close()
    finally:
        stop.set()
        serving.join()
        server.close()
        server.task_dispatcher.shutdown()
        server.trigger.close()
        listener.close()
