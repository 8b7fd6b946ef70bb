import TextClassification

/// The API's contract, OpenAPI 3.0, served at `GET /openapi.json`, made for the models served:
/// each has paths of its own whose schemas hold what it accepts, so a request valid against
/// them is answered. Kept here, in the binary, so that a static release binary serves it with
/// no file beside it; tests check that every route the server has is described and every
/// described route answers.
public enum OpenAPIDocument {
    /// What the contract says of one served model: its name, its versions and, once one is
    /// loaded, its task and labels (those every loaded version has), from which its paths'
    /// rules follow.
    public struct Model: Sendable, Equatable {
        public var name: String
        public var versions: [String]
        public var head: ClassificationHead.Kind?
        public var labels: [String]

        public init(name: String, versions: [String] = ["default"], head: ClassificationHead.Kind? = nil, labels: [String] = []) {
            (self.name, self.versions, self.head, self.labels) = (name, versions, head, labels)
        }
    }

    /// The document for these models, each under its own paths with the rules of its task
    /// (a model still loading, without them), and requests of at most `maxTexts` texts.
    public static func json(models: [Model], maxTexts: Int) -> String {
        let described = models.map { paths(of: $0, maxTexts: maxTexts) }.joined(separator: ",\n")
        return document.replacingOccurrences(of: "\"MODEL_PATHS\": {}", with: described)
    }

    /// A model's predict, explain and reload paths.
    private static func paths(of model: Model, maxTexts: Int) -> String {
        let known = model.head != nil
        let multiClass = model.head == .multiClass
        let texts = #""texts": {"type": "array", "items": {"type": "string"}, "maxItems": \#(maxTexts), "description": "At most --max-texts (\#(maxTexts)). A text longer than --max-text-bytes (100,000 UTF-8 bytes by default) is cut, on a character boundary, at the end the model's truncation drops (the start, by default)."}"#
        var predict = [texts,
                       #""probabilities": {"nullable": true, "type": "boolean", "default": false, "description": "Every label's probability (always for multi-label models)"}"#,
                       #""threshold": {"nullable": true, "type": "number", "minimum": 0, "maximum": 1, "description": "Binary: P(second label) above it predicts the second label; multi-label: every label at or above it. Absent: 0.5, or a multi-label model's tuned per-label thresholds"}"#,
                       #""unknown_label": {"nullable": true, "type": "string", "default": "", "maxLength": \#(PredictRequest.maxUnknownLabelScalars), "description": "The label of texts the model abstains on: below min_probability (multi-class) or its operating point"}"#]
        let versions = #""version": {"nullable": true, "type": "string", "enum": [\#((model.versions.map(ServiceError.quoted) + ["null"]).joined(separator: ", "))], "description": "The version to answer; absent, the model's primary, or its canary for the canary's share of requests (the same way for every request with the same X-Request-Key header)"}"#
        predict.append(versions)
        if multiClass || !known {
            let most = known ? #", "maximum": \#(model.labels.count)"# : ""
            predict += [#""top_k": {"nullable": true, "type": "integer", "minimum": 1\#(most), "description": "Multi-class models: the K most probable labels (textclf predict --top-k), at most the model's label count"}"#,
                        #""min_probability": {"nullable": true, "type": "number", "minimum": 0, "maximum": 1, "description": "Multi-class: below it a text gets unknown_label"}"#]
        }
        let labels = known ? #", "enum": [\#((model.labels.map(ServiceError.quoted) + ["null"]).joined(separator: ", "))]"# : ""
        let explain: [String] = [#""texts": {"type": "array", "items": {"type": "string"}, "maxItems": 100, "description": "At most 100"}"#,
                       #""label": {"nullable": true, "type": "string"\#(labels), "description": "Explain this label (one of the model's) instead of the predicted label"}"#,
                       #""threshold": {"nullable": true, "type": "number", "minimum": 0, "maximum": 1, "description": "As in predict"}"#,
                       #""scale": {"nullable": true, "type": "string", "enum": ["log-odds", "probability", null], "description": "What a contribution measures (textclf explain --scale): the label's log-odds (default; exact for the bag, by occlusion otherwise) or its probability (by occlusion)"}"#,
                       versions]
        func request(_ properties: [String]) -> String {
            #"{"type": "object", "required": ["texts"], "additionalProperties": false, "properties": {"# + properties.joined(separator: ", ") + "}}"
        }
        let about = known ? " (\(model.head!.rawValue), \(model.labels.count) labels)" : " (loading: its task's rules are not known yet)"
        return [modelPass(model.name, "predict", summary: "Label texts with \(model.name)\(about)", request: request(predict),
                          response: "PredictResponse", answer: "One prediction per text, in order"),
                modelPass(model.name, "explain", summary: "Which tokens drove each prediction of \(model.name) (log-odds: exact for the bag, occlusion otherwise)",
                          request: request(explain), response: "ExplainResponse", answer: "The objects of textclf explain --format json, in its order"),
                reload(model.name), promote(model), rollback(model.name), rollout(model)].joined(separator: ",\n")
    }

    /// A path that runs the model (predict, explain): a POST of `request` answered by
    /// `response`, or by one of the errors every model pass can meet.
    private static func modelPass(_ name: String, _ action: String, summary: String, request: String, response: String,
                                  answer: String) -> String {
        #"""
            "/v1/models/\#(name)/\#(action)": {
              "post": {
                "summary": \#(ServiceError.quoted(summary)),
                "requestBody": {"required": true, "content": {"application/json": {"schema": \#(request)}}},
                "responses": {
                  "200": {"description": "\#(answer)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/\#(response)"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {"$ref": "#/components/responses/Unprocessable"},
                  "429": {"$ref": "#/components/responses/TooMany"},
                  "503": {"$ref": "#/components/responses/Unavailable"},
                  "504": {"$ref": "#/components/responses/Timeout"}
                }
              }
            }
        """#
    }

    private static func reload(_ name: String) -> String {
        #"""
            "/v1/models/\#(name)/reload": {
              "post": {
                "summary": "Load the model's directory again and swap it in; on failure the loaded model keeps serving. An admin route",
                "security": [{"adminToken": []}],
                "responses": {
                  "200": {"description": "The model now serving, loaded after the request arrived (requests during a load share the next one)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Model"}}}},
                  "401": {"description": "The server has an admin token and the request does not carry it (Authorization: Bearer)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "403": {"description": "Admin routes are off: the server was started without --admin-token-file", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "422": {"$ref": "#/components/responses/Unprocessable"},
                  "429": {"$ref": "#/components/responses/TooMany"}
                }
              }
            }
        """#
    }

    /// An admin POST on a model's routing, answered with its ``ModelStore/Routing``.
    private static func routingChange(_ name: String, _ action: String, summary: String, request: String?) -> String {
        let body = request.map { #""requestBody": {"required": true, "content": {"application/json": {"schema": \#($0)}}},"# } ?? ""
        return #"""
            "/v1/models/\#(name)/\#(action)": {
              "post": {
                "summary": \#(ServiceError.quoted(summary)),
                "security": [{"adminToken": []}],
                \#(body)
                "responses": {
                  "200": {"description": "The model's routing from now on; requests in flight keep the version they were given", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Routing"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"description": "The server has an admin token and the request does not carry it (Authorization: Bearer)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "403": {"description": "Admin routes are off: the server was started without --admin-token-file", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {"$ref": "#/components/responses/Unprocessable"},
                  "429": {"$ref": "#/components/responses/TooMany"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            }
        """#
    }

    private static func versionEnum(_ model: Model) -> String {
        #"{"type": "string", "enum": [\#(model.versions.map(ServiceError.quoted).joined(separator: ", "))]}"#
    }

    private static func promote(_ model: Model) -> String {
        routingChange(model.name, "promote", summary: "Make a loaded version the primary, ending any canary or shadow; the primary it replaces is kept for rollback. An admin route",
                      request: #"{"type": "object", "required": ["version"], "additionalProperties": false, "properties": {"version": \#(versionEnum(model))}}"#)
    }

    private static func rollback(_ name: String) -> String {
        routingChange(name, "rollback", summary: "Make the primary before the last promote the primary again, ending any canary or shadow (422 when nothing was promoted). An admin route",
                      request: nil)
    }

    private static func rollout(_ model: Model) -> String {
        let canary = #"{"type": "object", "required": ["version", "share"], "additionalProperties": false, "properties": {"version": \#(versionEnum(model)), "share": {"type": "number", "minimum": 0, "maximum": 1}}}"#
        return routingChange(model.name, "rollout", summary: "Start, change or end (an empty object) a version's rollout: a canary answering a share of the requests, or a shadow run beside the primary on every request. The version must not be the primary. An admin route",
                             request: #"{"type": "object", "additionalProperties": false, "maxProperties": 1, "properties": {"canary": \#(canary), "shadow": \#(versionEnum(model))}}"#)
    }

    /// The document; `"MODEL_PATHS": {}` becomes every model's paths.
    private static let document = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "textclf serve",
    "version": "1",
    "description": "Text classifiers trained by textclf, behind HTTP. Answers are those of textclf predict and textclf explain for the same model and text. Requests that arrive together are gathered into one model pass. Every error has the body {\"error\": {\"code\", \"message\"}}; a known path with another method is answered 405 with Allow; an optional member given as null takes its default. Each model has its own paths, whose schemas carry the rules of its task: top_k and min_probability only for a multi-class model, top_k up to its label count, an explain label among its labels; a model still loading is described without them, and such a request gets 422. A model may have versions (textclf serve --model NAME=VERSION:DIR,...): a request may name one (version); otherwise the primary answers, or a canary for its share of requests (the same way for every request with the same X-Request-Key header), while a shadow version labels the same texts in the background and /metrics counts where the two agree. The rules are those every loaded version meets, and versions of a model share their task. The admin routes promote, rollback and rollout change who answers at once; requests in flight keep their version."
  },
  "paths": {
    "MODEL_PATHS": {},
    "/v1/models": {
      "get": {
        "summary": "The models loaded",
        "responses": {
          "200": {"description": "Every loaded version, in the order given to textclf serve", "content": {"application/json": {"schema": {
            "type": "object", "required": ["models"], "additionalProperties": false,
            "properties": {"models": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}}}}}},
          "429": {"$ref": "#/components/responses/TooMany"}
        }
      }
    },
    "/healthz": {
      "get": {
        "summary": "The process answers (outside every request limit)",
        "responses": {
          "200": {"description": "Alive", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}}
        }
      }
    },
    "/readyz": {
      "get": {
        "summary": "Every model is loaded (outside every request limit)",
        "responses": {
          "200": {"description": "Ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics (text format 0.0.4; outside every request limit)",
        "responses": {
          "200": {"description": "Requests and errors by route and status, latency, texts per model pass, models loaded", "content": {"text/plain": {"schema": {"type": "string"}}}}
        }
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document",
        "responses": {
          "200": {"description": "OpenAPI 3", "content": {"application/json": {"schema": {"type": "object"}}}},
          "429": {"$ref": "#/components/responses/TooMany"}
        }
      }
    }
  },
  "components": {
    "schemas": {
      "Prediction": {
        "type": "object",
        "description": "What textclf predict --format jsonl prints for the text, without the key: label and probability (binary: P(second label); multi-class: the label's), or labels (multi-label). A taxonomy's label is a path: the most probable leaf, or under an operating point the deepest node sure enough, possibly a parent with its leaves' summed probability. Below its operating point (or min_probability) a model abstains: label is unknown_label and abstained is true",
        "properties": {
          "label": {"type": "string"},
          "probability": {"type": "number"},
          "abstained": {"type": "boolean", "description": "The model declined to answer (its operating point, or min_probability): label is unknown_label; absent otherwise"},
          "labels": {"type": "array", "items": {"type": "string"}},
          "top": {"type": "array", "items": {"type": "object", "required": ["label", "probability"], "properties": {"label": {"type": "string"}, "probability": {"type": "number"}}}},
          "probabilities": {"type": "object", "additionalProperties": {"type": "number"}}
        }
      },
      "PredictResponse": {
        "type": "object", "required": ["model", "version", "predictions"], "additionalProperties": false,
        "properties": {"model": {"type": "string"}, "version": {"type": "string", "description": "The version that answered"}, "predictions": {"type": "array", "items": {"$ref": "#/components/schemas/Prediction"}}}
      },
      "Explanation": {
        "type": "object", "required": ["text", "label", "probability", "scale", "method", "value", "base", "predicted", "knownTokens", "tokens"],
        "properties": {
          "text": {"type": "string"}, "label": {"type": "string"}, "probability": {"type": "number"},
          "scale": {"type": "string", "enum": ["log-odds", "probability"], "description": "What the contributions measure"},
          "method": {"type": "string", "enum": ["exact", "occlusion"], "description": "exact: each token's own term, the contributions and base adding up to value (the bag on log-odds); occlusion: the value minus the value without the token"},
          "value": {"type": "number", "description": "The label's log-odds or probability for the text as it is"},
          "base": {"type": "number", "nullable": true, "description": "exact: the part of value no token carries; null with occlusion"},
          "predicted": {"type": "array", "items": {"type": "string"}}, "knownTokens": {"type": "boolean"},
          "tokens": {"type": "array", "items": {"type": "object", "required": ["token", "contribution"], "properties": {"token": {"type": "string"}, "contribution": {"type": "number", "nullable": true}}}},
          "characters": {"type": "array", "description": "With n-gram tokens: each character of the text as the model read it, with its even share of the contributions of the tokens covering it", "items": {"type": "object", "required": ["character", "contribution"], "properties": {"character": {"type": "string"}, "contribution": {"type": "number"}}}}
        }
      },
      "ExplainResponse": {
        "type": "object", "required": ["model", "version", "explanations"], "additionalProperties": false,
        "properties": {"model": {"type": "string"}, "version": {"type": "string", "description": "The version explained"}, "explanations": {"type": "array", "items": {"$ref": "#/components/schemas/Explanation"}}}
      },
      "Model": {
        "type": "object", "additionalProperties": false,
        "required": ["name", "version", "role", "directory", "labels", "task", "encoder", "tokens", "format_version", "content_hash", "temperature", "loaded_at"],
        "properties": {
          "name": {"type": "string"}, "version": {"type": "string"},
          "role": {"type": "string", "enum": ["primary", "canary", "shadow", "standby"], "description": "primary: answers requests that name no version; canary: answers share of them; shadow: runs beside the primary without answering; standby: answers only requests that name it"},
          "share": {"type": "number", "description": "A canary's share of the requests that name no version"},
          "directory": {"type": "string"},
          "labels": {"type": "array", "items": {"type": "string"}},
          "task": {"type": "string", "enum": ["binary", "multiClass", "multiLabel"]},
          "encoder": {"type": "string"}, "tokens": {"type": "string"},
          "format_version": {"type": "integer"},
          "content_hash": {"type": "string", "description": "XXH64 of the directory's config.json, which records every other file's hash"},
          "temperature": {"type": "number", "description": "The calibration temperature (1: not calibrated; textclf fit --calibrate)"},
          "thresholds": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Multi-label models tuned by textclf fit --tune-thresholds: each label's decision threshold"},
          "taxonomy": {"type": "string", "description": "A taxonomy (textclf fit --taxonomy): what joins the levels of the labels' paths; the labels are its leaves"},
          "operating_point": {"type": "object", "required": ["target", "value", "thresholds"], "additionalProperties": false, "description": "Where the model abstains or backs off to a parent (textclf fit --target-precision, tune-threshold)", "properties": {
            "target": {"type": "string", "enum": ["precision", "recall"]}, "value": {"type": "number"},
            "thresholds": {"type": "object", "additionalProperties": {"type": "number", "nullable": true}, "description": "Per label (a taxonomy: per node path): the probability it needs; null: never given"}}},
          "loaded_at": {"type": "string", "format": "date-time"}
        }
      },
      "Routing": {
        "type": "object", "required": ["model", "primary", "rollout", "previous"], "additionalProperties": false,
        "properties": {
          "model": {"type": "string"}, "primary": {"type": "string", "description": "The version answering requests that name none"},
          "rollout": {"nullable": true, "type": "object", "required": ["mode", "version"], "additionalProperties": false, "properties": {
            "mode": {"type": "string", "enum": ["canary", "shadow"]}, "version": {"type": "string"}, "share": {"type": "number"}}},
          "previous": {"nullable": true, "type": "string", "description": "The primary before the last promote: where rollback returns"}
        }
      },
      "Status": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}},
      "Error": {
        "type": "object", "required": ["error"], "additionalProperties": false,
        "properties": {"error": {"type": "object", "required": ["code", "message"], "additionalProperties": false, "properties": {
          "code": {"type": "string", "description": "invalid_json, invalid_utf8, invalid_field, unknown_field, invalid_request, unknown_model, not_found, method_not_allowed, body_too_large, too_many_requests, overloaded, not_ready, timeout, model_not_loaded, answer_too_large, admin_disabled, unauthorized, internal"},
          "message": {"type": "string"}}}}
      }
    },
    "securitySchemes": {
      "adminToken": {"type": "http", "scheme": "bearer", "description": "The secret in the file given to --admin-token-file"}
    },
    "responses": {
      "BadRequest": {"description": "Not valid UTF-8 or JSON, a member of the wrong type, or an unknown member", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotFound": {"description": "No model or route of that name", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "TooLarge": {"description": "The body is larger than --max-body-bytes (body_too_large), or the answer would be larger than --max-answer-bytes (answer_too_large)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unprocessable": {"description": "Valid JSON the model cannot take: too many texts, an option its task does not have, a value out of range; for reload, a directory that does not load", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "TooMany": {"description": "More than --max-concurrent requests at once", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unavailable": {"description": "Models still loading, too many texts waiting for the model, the requests in flight holding --max-bytes-in-flight-mb, or (explain) --max-concurrent-explains being computed; retry after Retry-After", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Timeout": {"description": "Not answered within --timeout-ms", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  }
}
"""#
}
