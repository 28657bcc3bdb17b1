"""CLI tests for `virtwire decode --protocol virtagent` (historic-qemud-openhook-qga.md §3.1).

Messages are built here from the facts (0xFF, the request or status line, Content-Type,
Content-Length, X-Virtagent-Client-Tag, an empty line, then an XML-RPC body of exactly
Content-Length bytes), independently of the C encoder."""
import os
import subprocess

VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")
REQ, RSP = "POST /RPC2 HTTP/1.1", "HTTP/1.1 200 OK"


def message(body, first=REQ, tag="testtag", length=None, headers=None):
    body = body.encode()
    n = len(body) if length is None else length
    if headers is None:
        headers = ["Content-Type: text/xml", f"Content-Length: {n}",
                   f"X-Virtagent-Client-Tag: {tag}"]
    return b"\xff" + ("\r\n".join([first] + headers) + "\r\n\r\n").encode() + body


def call(name, *params):
    ps = "".join(f"<param><value>{p}</value></param>" for p in params)
    return (f'<?xml version="1.0"?>\r\n<methodCall><methodName>{name}</methodName>'
            f"<params>{ps}</params></methodCall>\r\n")


def response(value):
    return (f"<methodResponse><params><param><value>{value}</value></param></params>"
            "</methodResponse>")


def fault(code, text):
    return ("<methodResponse><fault><value><struct>"
            f"<member><name>faultCode</name><value><int>{code}</int></value></member>"
            f"<member><name>faultString</name><value>{text}</value></member>"
            "</struct></value></fault></methodResponse>")


def run(data, *args):
    return subprocess.run([VIRTWIRE, "decode", "--protocol", "virtagent", *args, "-"],
                          input=data, capture_output=True)


def host_stream():
    return (message(call("va.getfile", "<string>/etc/hostname</string>"))
            + message(call("va.shutdown", "reboot"))
            + message(response("dummy"), first=RSP)
            + message(response("<array><data><value>va.ping</value></data></array>"),
                      first=RSP))


def test_valid_host_stream():
    data = host_stream()
    r = run(data, "--from", "client")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    first = len(message(call("va.getfile", "<string>/etc/hostname</string>")))
    assert lines[0] == f'#0 @0 len={first}: request va.getfile ("/etc/hostname")'
    assert lines[1].startswith(f"#1 @{first} len=")
    assert lines[1].endswith(': request va.shutdown ("reboot")')
    assert lines[2].endswith(': response "dummy"')
    assert lines[3].endswith(': response ["va.ping"]')
    assert lines[-1] == "4 messages, 0 invalid"
    assert r.stderr == b""


def test_guest_stream_faults_and_capabilities():
    caps = ("<struct><member><name>version</name><value>1.0</value></member>"
            "<member><name>methods</name><value><array><data><value>va.ping</value>"
            "<value>va.getfile</value></data></array></value></member></struct>")
    data = (message(call("va.hello"))
            + message(fault(1, "open failed"), first=RSP)
            + message(response(caps), first=RSP)
            + message(response("<base64>aGVsbG8K</base64>"), first=RSP))
    r = run(data, "--from", "server")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert ": request va.hello ()\n" in out
    assert ': fault 1 "open failed"\n' in out
    assert ': response {version: "1.0", methods: ["va.ping", "va.getfile"]}\n' in out
    assert ": response base64(6 bytes)\n" in out
    assert out.endswith("4 messages, 0 invalid\n")


def test_direction_decides_which_methods_are_requests():
    # va.getfile is served by the guest: the guest never sends it as a request
    data = message(call("va.getfile", "/etc"))
    assert run(data, "--from", "client").returncode == 0
    r = run(data, "--from", "server")
    assert r.returncode == 1
    assert b"VW_E_UNKNOWN_PROC" in r.stderr
    assert run(data).returncode == 0    # without --from: either side's methods


def test_garbage_then_resync_then_valid_messages():
    good = message(call("va.ping"))
    cut = b"\xffPOST /RPC2 HTTP/1.1\r\nContent-Ty"
    data = b"noise" + good + cut + good
    r = run(data)
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "framing error VW_E_RESYNC at stream offset 0" in err
    trunc = 5 + len(good)
    assert f"framing error VW_E_RESYNC at stream offset {trunc}" in err
    lines = r.stdout.decode().splitlines()
    assert lines[0] == f"#0 @5 len={len(good)}: request va.ping ()"
    assert lines[1].startswith(f"#1 @{trunc + len(cut)} len={len(good)}: request va.ping ()")
    assert lines[-1] == "2 messages, 2 invalid"


def test_invalid_message_code_offset_and_continue():
    bad = message(call("va.ping"), headers=["Content-Type: application/json",
                                            f"Content-Length: {len(call('va.ping'))}",
                                            "X-Virtagent-Client-Tag: t"])
    good = message(call("va.ping"))
    r = run(good + bad + good)
    assert r.returncode == 1
    off = len(good)
    type_at = bad.index(b"application")
    assert (f"message 1 (stream offset {off}): invalid message: VW_E_TYPE at message byte "
            f"{type_at} (stream offset {off + type_at})") in r.stderr.decode()
    assert r.stdout.decode().endswith("3 messages, 1 invalid\n")


def test_lenient_header_order_is_a_note():
    body = call("va.ping")
    data = message(body, headers=[f"Content-Length: {len(body)}", "Content-Type: text/xml",
                                  "X-Virtagent-Client-Tag: t"])
    r = run(data)
    assert r.returncode == 1 and b"VW_E_MEMBER" in r.stderr
    r = run(data, "--lenient")
    assert r.returncode == 0, r.stderr
    assert b"accepted non-canonical VW_E_MEMBER" in r.stderr
    assert r.stdout.decode().endswith("1 messages, 0 invalid\n")


def test_content_length_rules():
    body = call("va.ping")
    for value, code in [("+1", b"VW_E_SYNTAX"), ("01", b"VW_E_SYNTAX"),
                        ("2097153", b"VW_E_TOO_LONG")]:
        r = run(message(body, length=value) + message(body))
        assert r.returncode == 1
        assert b"framing error " + code in r.stderr
        assert r.stdout.decode().endswith("1 messages, 1 invalid\n")


def test_stream_ending_inside_a_message():
    r = run(message(call("va.ping"))[:-3])
    assert r.returncode == 1
    assert b"VW_E_SHORT" in r.stderr
    assert r.stdout == b"0 messages, 1 invalid\n"


def test_verbose_shows_header_and_items():
    r = run(message(call("va.getfile", "/x")), "-v")
    assert r.returncode == 0
    out = r.stdout.decode()
    assert '    tag = "testtag"\n' in out
    assert "    string @" in out


def test_usage_errors():
    r = subprocess.run([VIRTWIRE, "decode", "--protocol", "virtagent", "--from", "guest", "-"],
                       input=b"", capture_output=True)
    assert r.returncode == 2
    r = subprocess.run([VIRTWIRE, "decode", "--protocol", "virtagent", "/nonexistent/x"],
                       capture_output=True)
    assert r.returncode == 2
