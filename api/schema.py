"""How the schema describes the API's own parts (loaded by ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (the user menu's “API tokens” page).",
        }


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API (api/errors.py).",
    "properties": {
        "message": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["message", "errors"],
}
ERRORS = {
    "400": "The input is not valid: `errors` names each field.",
    "401": "No valid token or session.",
    "403": "Not allowed (a read-only token's change, a step the user may not take).",
    "404": "Not found among what the user may see.",
    "412": "The object changed since its ETag was read.",
    "428": "If-Match is required.",
    "429": "Too many requests: wait the Retry-After seconds.",
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The ETag of the version read (e.g. "3"); without it a change answers 428.',
}
# The errors each operation can answer, whatever it is.
EVERY_OPERATION = ("401", "403", "404", "429")
CHANGES = ("400", "412", "428")


def error_responses(result, generator, request, public):
    """Postprocessing hook: the JSON error shape, once, and the errors of each operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if method in ("post", "put", "patch") and "{" in path:
                operation.setdefault("parameters", []).append(IF_MATCH)
            codes = list(EVERY_OPERATION)
            if method in ("post", "put", "patch", "delete"):
                codes += CHANGES
            if method == "get":
                codes.append("400")  # a filter's bad value
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses[code] = {
                    "description": ERRORS[code],
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
    return result
