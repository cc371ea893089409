"""A fault-injecting HTTP proxy on 127.0.0.1, placed in front of the moto server (a test double for AWS).

Clients use ``AWS_ENDPOINT_URL=<proxy url>``; the proxy forwards every request unchanged to moto, except
those matching a :class:`Rule` (AWS service + operation), which it answers a given number of times with a
throttling error in the wire format of that service's protocol, then forwards again. It counts what it
throttled and keeps a log of every request it saw.

How a request is recognised (nothing is guessed from the client's code):

- the service: the signing name in the SigV4 ``Authorization`` header (``Credential=<key>/<date>/<region>/
  <service>/aws4_request``), mapped to botocore's service name (``elasticfilesystem`` -> ``efs``);
- the operation: the ``X-Amz-Target`` header (json protocol, e.g. ECR ``..._V20150921.CreateRepository``),
  the ``Action=`` form field (query/ec2 protocols: EC2, IAM, STS), or, for rest-json/rest-xml services
  (EKS, EFS), the HTTP method and path matched against the ``requestUri`` templates of botocore's service
  model.

The error bodies follow the AWS protocols as botocore parses them:

- json / rest-json: ``{"__type": "<Code>", "message": ...}`` plus the ``x-amzn-ErrorType`` header;
- ec2: ``<Response><Errors><Error><Code>...</Code><Message>...</Message></Error></Errors><RequestID>``;
- query (IAM, STS): ``<ErrorResponse><Error><Type>Sender</Type><Code>...</Code>...</ErrorResponse>``;

with HTTP status 429 for ``TooManyRequestsException`` and 400 for the other throttling codes.
"""

import http.client
import http.server
import json
import re
import threading
import urllib.parse
import uuid

import botocore.session

# SigV4 signing names that differ from botocore's service names.
SIGNING_NAMES = {"elasticfilesystem": "efs", "execute-api": "apigateway"}

_CREDENTIAL = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "trailer", "upgrade"}


def status_for(code):
    """The HTTP status AWS answers a throttling ``code`` with."""
    return 429 if code == "TooManyRequestsException" else 400


class _Model:
    """Protocol and REST routes of one service, from botocore's service model."""

    _cache = {}
    _lock = threading.Lock()

    def __init__(self, service):
        model = botocore.session.get_session().get_service_model(service)
        self.protocol = model.metadata.get("protocol")
        self.routes = []
        for name in model.operation_names:
            http_spec = model.operation_model(name).http
            uri = http_spec.get("requestUri", "/").split("?")[0]
            pattern = re.sub(r"\\{[^}]+\\\+\\}", ".+", re.escape(uri))
            pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", pattern)
            literal = len(re.sub(r"\{[^}]+\}", "", uri))
            self.routes.append((http_spec.get("method", "POST"), re.compile("^" + pattern.rstrip("/") + "/?$"), literal, name))

    @classmethod
    def get(cls, service):
        with cls._lock:
            if service not in cls._cache:
                cls._cache[service] = _Model(service)
            return cls._cache[service]

    def rest_operation(self, method, path):
        """The operation whose method and requestUri template match (the most literal one wins)."""
        found = [(literal, name) for m, regex, literal, name in self.routes if m == method and regex.match(path)]
        return max(found)[1] if found else None


def identify(method, path, headers, body):
    """``(service, operation, protocol)`` of a request (None where unknown)."""
    match = _CREDENTIAL.search(headers.get("Authorization", ""))
    if not match:
        return None, None, None
    service = SIGNING_NAMES.get(match.group(1), match.group(1))
    try:
        model = _Model.get(service)
    except Exception:  # pylint: disable=broad-except  # not a botocore service: forward untouched
        return service, None, None
    target = headers.get("X-Amz-Target")
    if target:
        return service, target.rsplit(".", 1)[-1], model.protocol
    if model.protocol in ("query", "ec2"):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        action = (form.get("Action") or query.get("Action") or [None])[0]
        return service, action, model.protocol
    return service, model.rest_operation(method, urllib.parse.unquote(urllib.parse.urlsplit(path).path)), model.protocol


def error_response(protocol, code, message="Rate exceeded"):
    """``(status, headers, body)`` of a throttling error in ``protocol``'s wire format."""
    request_id = str(uuid.uuid4())
    status = status_for(code)
    if protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code><Message>%s</Message>'
            "</Error></Errors><RequestID>%s</RequestID></Response>" % (code, message, request_id)
        )
        return status, {"Content-Type": "text/xml;charset=UTF-8"}, body.encode()
    if protocol in ("query", "rest-xml"):
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code>'
            "<Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>" % (code, message, request_id)
        )
        return status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body.encode()
    content_type = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, {"Content-Type": content_type, "x-amzn-ErrorType": code, "x-amzn-RequestId": request_id}, body


class Rule:
    """Answer the matching requests with ``code``: let ``skip`` of them through first, then throttle ``times``."""

    def __init__(self, service, operation, times, code, skip=0):
        self.service, self.operation, self.times, self.code, self.skip = service, operation, times, code, skip
        self.seen = 0  # matching requests so far
        self.throttled = 0  # of which answered with the throttling error

    def matches(self, service, operation):
        return service == self.service and operation == self.operation

    def decide(self):
        """True when this (matching) request gets the throttling error."""
        self.seen += 1
        if self.seen <= self.skip or self.throttled >= self.times:
            return False
        self.throttled += 1
        return True

    def __repr__(self):
        return "Rule(%s.%s, %s x %d after %d: throttled %d of %d seen)" % (
            self.service, self.operation, self.code, self.times, self.skip, self.throttled, self.seen)


class FaultProxy:
    """The proxy: ``start()``, ``url``, ``throttle(...)`` to add rules, ``log`` and ``stop()``."""

    def __init__(self, upstream):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.rules = []
        self.log = []  # (service, operation, "throttled <Code>" or the upstream status)
        self.lock = threading.Lock()
        self.server = None
        self.thread = None
        self.url = None

    def throttle(self, service, operation, times, code="ThrottlingException", skip=0):
        """Add a rule; returns it (its ``throttled`` counts the errors sent)."""
        rule = Rule(service, operation, times, code, skip)
        with self.lock:
            self.rules.append(rule)
        return rule

    def clear(self):
        with self.lock:
            self.rules, self.log = [], []

    def calls(self, service, operation):
        """The log entries of one operation, in order."""
        with self.lock:
            return [outcome for s, o, outcome in self.log if (s, o) == (service, operation)]

    def throttled_total(self):
        with self.lock:
            return sum(rule.throttled for rule in self.rules)

    def _decide(self, service, operation):
        with self.lock:
            for rule in self.rules:
                if rule.matches(service, operation) and rule.decide():
                    return rule.code
        return None

    def _record(self, service, operation, outcome):
        with self.lock:
            self.log.append((service, operation, outcome))

    def start(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                service, operation, protocol = identify(self.command, self.path, self.headers, body)
                code = proxy._decide(service, operation) if operation else None
                if code:
                    proxy._record(service, operation, "throttled " + code)
                    status, headers, payload = error_response(protocol, code)
                    return self._reply(status, headers, payload)
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=120)
                try:
                    headers = dict((k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP)
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    payload = resp.read()
                    proxy._record(service, operation, resp.status)
                    self._reply(resp.status, dict((k, v) for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP
                                                  and k.lower() != "content-length"), payload)
                finally:
                    conn.close()

            def _reply(self, status, headers, payload):
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="fault-proxy", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
