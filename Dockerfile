# One image for the API (default command: `python -m entrypoints.serve`, granian) and the worker (`python -m entrypoints.worker`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    MPLBACKEND=Agg \
    MPLCONFIGDIR=/home/app/.cache/matplotlib \
    PORT=5000

WORKDIR /app

# A fixed, unprivileged uid (numeric in USER below, so Kubernetes' runAsNonRoot can check it).
RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin app

# Dependencies in a layer of their own: editing the code does not reinstall them.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY genes/ genes/
COPY adapters/ adapters/
COPY entrypoints/ entrypoints/

USER 10001:10001
# Build matplotlib's font cache now, so that each worker does not build it on its first plot.
RUN python -c "import matplotlib.pyplot"

EXPOSE 5000
CMD ["python", "-m", "entrypoints.serve"]
