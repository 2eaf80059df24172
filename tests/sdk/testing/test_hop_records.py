"""``hop_records``: the lines a service writes during a test, their chain, and the tests
that must fail (a wrong chain, an invalid line)."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)


def test_records_of_a_fastapi_request(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_shop="""
        from fastapi.testclient import TestClient
        from apps import shop

        def test_item(hop_records, capfd):
            assert TestClient(shop).get("/items/7").status_code == 200
            [hop] = hop_records.hops(kind="server")
            assert hop["http.route"] == "/items/{item_id}"
            assert hop_records.hops(service="nobody") == []
            [line] = hop_records.logs(level="info", message="item sho", item_id=7)
            assert line["trace.id"] == hop["trace.id"]
            assert hop_records.logs(item_id=8) == []
            assert [r["message"] for r in hop_records.lines][-1] == hop["message"]
            chain = hop_records.chain()
            assert chain["trace_id"] == hop["trace.id"]
            assert chain["roots"][0]["operation"] == "GET /items/{item_id}"
            hop_records.assert_chain("shop GET /items/{item_id} 200")
            assert capfd.readouterr().out == ""   # nothing reached stdout
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.slow
def test_stdlib_lines_are_records_too(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_stdlib="""
        import logging
        from apps import log

        def test_every_writer(hop_records, capfd):
            logging.getLogger("legacy.billing").warning("invoice %s late", 12)
            log.info("from structlog")
            [stdlib] = hop_records.logs(level="warning", message="invoice 12 late")
            assert stdlib["log.logger"] == "legacy.billing"
            assert [r["message"] for r in hop_records.lines][-1] == "from structlog"
            assert capfd.readouterr().out == ""
        """
    )
    # a process of its own: the SDK's stdlib handler is set up when the apps configure the
    # SDK, which an earlier in-process run (its root handlers put back after it) already did
    suite.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.slow
def test_parallel_tests_see_their_own_records(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_parallel="""
        import pytest
        from fastapi.testclient import TestClient
        from apps import shop

        @pytest.mark.parametrize("n", range(6))
        def test_item(hop_records, n):
            TestClient(shop).get(f"/items/{n}")
            [line] = hop_records.logs(message="item shown")
            assert line["labels.item_id"] == n
            assert len(hop_records.hops()) == 1
        """
    )
    suite.runpytest("-p", "no:cacheprovider", "-n", "2").assert_outcomes(passed=6)


def test_chain_of_starlette_and_flask_requests(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_two="""
        from starlette.testclient import TestClient
        from apps import greeter, shelf

        def test_starlette(hop_records):
            TestClient(greeter).get("/hello/ann")
            hop_records.assert_chain("shop GET /hello/{name} 200")
            hop_records.assert_chain("shop GET /hello/{name}")  # any status

        def test_flask(hop_records):
            # a WSGI hop is written when the response is closed: buffered closes it at once
            assert shelf.test_client().get("/books/3", buffered=True).status_code == 200
            hop_records.assert_chain("shop GET /books/{book_id} 200")
            assert hop_records.logs(book_id=3)
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_a_wrong_chain_fails_showing_both_side_by_side(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_wrong="""
        from fastapi.testclient import TestClient
        from apps import shop

        def test_item(hop_records):
            TestClient(shop).get("/items/7")
            hop_records.assert_chain('''
                somebody GET /items/{item_id} 404
                  -> cart GET /carts/7 200
            ''')
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: hop chain of trace * does not match:",
            "*expected * | actual",
            "*somebody GET /items/{item_id} 404*| shop GET /items/{item_id} 200",
            "*  -> cart GET /carts/7 200*|",
        ]
    )


def test_an_invalid_line_fails_the_test_naming_it(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_invalid="""
        from sdk.log._configure import writer

        def test_writes_a_bad_line(hop_records):
            writer().write(b'{"message": "hand-made"}\\n')
            writer().write(b'not json\\n')
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*hop_records: 2 line(s) written are not valid records:",
            "*line 1: missing required field(s): @timestamp*",
            '*{"message": "hand-made"}',
            "*line 2: not JSON*",
            "*not json",
        ]
    )


def test_no_trace_written(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_none="""
        def test_nothing(hop_records):
            hop_records.assert_chain("a GET / 200")
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*hop_records: no hop record was written during the test"])


def test_an_unreadable_expected_chain_says_which_line(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_bad_text="""
        import pytest
        from fastapi.testclient import TestClient
        from apps import shop

        def test_text(hop_records):
            TestClient(shop).get("/items/7")
            with pytest.raises(ValueError, match="chain line 2: indented too far"):
                hop_records.assert_chain("a GET / 200\\n      b GET / 200")
            with pytest.raises(ValueError, match="chain line 1: expected"):
                hop_records.assert_chain("a GET")
            with pytest.raises(ValueError, match="two spaces"):
                hop_records.assert_chain("a GET / 200\\n   b GET / 200")
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
