#!/usr/bin/env python3
"""SNS fan-out throughput, nimbus side by side with moto_server in the same run (issue 21 item 8):
one topic with 100 HTTP subscribers (all on bench/sns_sink, a counting C++ endpoint), Publish
from 4 threads, deliveries/s = POSTs the sink counted / time from the first Publish to the last
delivery. Goal: >= 20 000/s and >= 50x moto.

Usage: bench/sns_bench.py [--messages N] [--moto-messages N] [--runs R] [--batch]
Needs build/nimbus and build/bench/sns_sink (cmake --build build --target nimbus sns_sink) and
pip moto (moto_server). Traffic stays on 127.0.0.1."""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Nimbus  # noqa: E402

SINK = os.path.join(ROOT, "build", "bench", "sns_sink")
SUBSCRIBERS = 100


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sink_get(port, path):
    return urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=30).read().decode()


def client(endpoint):
    return boto3.client("sns", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def setup_topic(sns, sink_port, name, confirm):
    topic = sns.create_topic(Name=name)["TopicArn"]
    before = len([u for u in sink_get(sink_port, "/confirmations").split("\n") if u])
    for i in range(SUBSCRIBERS):
        sns.subscribe(TopicArn=topic, Protocol="http",
                      Endpoint="http://127.0.0.1:%d/%s/s%d" % (sink_port, name, i))
    if confirm:
        deadline = time.monotonic() + 60
        urls = []
        while time.monotonic() < deadline:
            urls = [u for u in sink_get(sink_port, "/confirmations").split("\n") if u][before:]
            if len(urls) >= SUBSCRIBERS:
                break
            time.sleep(0.05)
        for u in urls:
            urllib.request.urlopen(u.replace("\\u0026", "&").replace("\\/", "/")).read()
    return topic


def run(endpoint, sink_port, topic, messages, threads=4, batch=False):
    start_count = int(sink_get(sink_port, "/count"))
    target = start_count + messages * SUBSCRIBERS
    per = [messages // threads + (1 if i < messages % threads else 0) for i in range(threads)]
    clients = [client(endpoint) for _ in range(threads)]

    def publish(c, n):
        if batch:  # PublishBatch, 10 a request: the publisher (boto3) is then not the limit
            for i in range(0, n, 10):
                c.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
                    {"Id": str(j), "Message": "bench message %d" % j}
                    for j in range(i, min(n, i + 10))])
            return
        for i in range(n):
            c.publish(TopicArn=topic, Message="bench message %d" % i)

    t0 = time.monotonic()
    workers = [threading.Thread(target=publish, args=(c, n)) for c, n in zip(clients, per)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    published = time.monotonic()
    deadline = published + 300
    count = start_count
    while count < target and time.monotonic() < deadline:
        time.sleep(0.002)
        count = int(sink_get(sink_port, "/count"))
    t1 = time.monotonic()
    delivered = count - start_count
    return delivered / (t1 - t0), delivered, published - t0, t1 - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=400)
    ap.add_argument("--moto-messages", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--batch", action="store_true", help="nimbus side publishes with PublishBatch")
    args = ap.parse_args()

    sink = subprocess.Popen([SINK], stdout=subprocess.PIPE)
    sink_port = int(sink.stdout.readline())
    moto_port = free_port()
    moto = subprocess.Popen(["moto_server", "-p", str(moto_port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        with Nimbus() as n:
            sns = client(n.endpoint)
            topic = setup_topic(sns, sink_port, "nimbus", confirm=True)
            run(n.endpoint, sink_port, topic, 20)  # warm-up: connections, caches
            nimbus_rates = []
            for _ in range(args.runs):
                rate, delivered, pub_s, total_s = run(n.endpoint, sink_port, topic, args.messages,
                                                      batch=args.batch)
                nimbus_rates.append(rate)
                print("nimbus: %d deliveries in %.2f s (publishing %.2f s): %.0f/s"
                      % (delivered, total_s, pub_s, rate), flush=True)
        moto_endpoint = "http://127.0.0.1:%d" % moto_port
        for _ in range(100):
            try:
                urllib.request.urlopen(moto_endpoint + "/moto-api/", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        msns = client(moto_endpoint)
        mtopic = setup_topic(msns, sink_port, "moto", confirm=False)
        run(moto_endpoint, sink_port, mtopic, 2)  # warm-up
        moto_rates = []
        for _ in range(args.runs):
            rate, delivered, pub_s, total_s = run(moto_endpoint, sink_port, mtopic,
                                                  args.moto_messages)
            moto_rates.append(rate)
            print("moto:   %d deliveries in %.2f s (publishing %.2f s): %.0f/s"
                  % (delivered, total_s, pub_s, rate), flush=True)
        nm, mm = statistics.median(nimbus_rates), statistics.median(moto_rates)
        print("median deliveries/s: nimbus %.0f (min %.0f, max %.0f), moto %.0f (min %.0f, "
              "max %.0f); ratio %.0fx; load average %s"
              % (nm, min(nimbus_rates), max(nimbus_rates), mm, min(moto_rates), max(moto_rates),
                 nm / mm if mm else float("inf"), open("/proc/loadavg").read().split()[:3]))
    finally:
        moto.terminate()
        sink.terminate()
        moto.wait()
        sink.wait()


if __name__ == "__main__":
    main()
