import os
from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/orders")
def orders():
    # the credential is read at run time; it must come from a Kubernetes Secret
    configured = bool(os.environ.get("{{ secret_env }}"))
    return {"orders": [], "backend_configured": configured}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080)
