"""Schemathesis hooks for scripts/fuzz-api."""

import schemathesis


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    # gunicorn answers a request line over 4 KB itself (414, in HTML) before Amends
    # sees it: a limit of the server in front, not an answer the API document owns.
    return response.status_code != 414


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    # Random ids almost never name a row, so most operations would only ever answer
    # 404: fold them onto the demo data's small ids to reach the code behind.
    if not path_parameters:
        return path_parameters
    return {
        name: value % 40 + 1 if name.endswith("_id") and isinstance(value, int) else value
        for name, value in path_parameters.items()
    }


@schemathesis.hook
def map_query(context, query):
    # A random team slug names no team: most raw-mail uploads should reach a demo team.
    if query and isinstance(query.get("team"), str) and not query["team"].endswith("x"):
        return {**query, "team": "key-accounts"}
    return query


def _mail_like():
    # POST /mail/raw takes a whole mail (message/rfc822): noise, and something shaped
    # like mail with random headers and body, so the parser's paths are reached.
    from hypothesis import strategies as st

    header = st.sampled_from(
        ["From", "To", "Subject", "Message-ID", "In-Reply-To", "Content-Type", "Auto-Submitted"]
    )
    line = st.tuples(header, st.text(max_size=60)).map(lambda pair: f"{pair[0]}: {pair[1]}")
    shaped = st.tuples(st.lists(line, max_size=8), st.text(max_size=400)).map(
        lambda parts: ("\r\n".join(parts[0]) + "\r\n\r\n" + parts[1]).encode("utf-8", "replace")
    )
    return st.one_of(st.binary(max_size=2000), shaped)


schemathesis.openapi.media_type("message/rfc822", _mail_like())
