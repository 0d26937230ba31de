// A compiled SQS load client (json protocol, a fixed unverified signature, keep-alive HTTP/1.1 with TCP_NODELAY):
// the same client drives nimbus and moto_server, so the figures compare the servers.
//
//   sqs_bench throughput HOST:PORT CONNS SECONDS BATCH
//     CONNS threads, each with its own queue, loop send -> receive -> delete of BATCH messages
//     (BATCH 1: SendMessage, ReceiveMessage, DeleteMessage; BATCH 10: the *Batch operations and
//     MaxNumberOfMessages 10). Prints "messages_per_s=<n> ..." (a message counts once deleted).
//   sqs_bench wake HOST:PORT RUNS
//     One long poll (WaitTimeSeconds 20) parked on an empty queue, then a send on a second
//     connection: prints the p50/p90/max of send-written -> receive-answered, over RUNS runs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::exit(2);
}

class Conn {
 public:
  Conn(const std::string& host, int port) : host_(host), port_(port) { Open(); }
  ~Conn() { ::close(fd_); }

  // POSTs `body` as AmazonSQS.<op> and returns the response body; exits on transport errors.
  std::string Call(const std::string& op, const std::string& body, int* status = nullptr) {
    if (must_reconnect_) {  // the server answered Connection: close (moto's werkzeug does)
      ::close(fd_);
      buf_.clear();
      Open();
      must_reconnect_ = false;
    }
    std::string req = "POST / HTTP/1.1\r\nHost: " + host_ + ":" + std::to_string(port_) +
                      "\r\nX-Amz-Target: AmazonSQS." + op +
                      // Unverified in nimbus's open mode; moto routes by its scope.
                      "\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/"
                      "sqs/aws4_request, SignedHeaders=host, Signature=00" +
                      "\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    for (size_t off = 0; off < req.size();) {
      ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n <= 0) Die("send");
      off += static_cast<size_t>(n);
    }
    return Read(status);
  }

 private:
  void Open() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) Die("socket");
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("connect");
  }

  bool Fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  std::string Read(int* status) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) Die("recv head");
    }
    std::string head = buf_.substr(0, end + 2);
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (status != nullptr) *status = std::atoi(buf_.c_str() + 9);
    must_reconnect_ = head.find("connection: close") != std::string::npos;
    size_t body = end + 4;
    std::string out;
    if (head.find("transfer-encoding: chunked") != std::string::npos) {
      size_t pos = body;
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n", pos)) == std::string::npos) {
          if (!Fill()) Die("recv chunk");
        }
        size_t len = std::strtoul(buf_.c_str() + pos, nullptr, 16);
        while (buf_.size() < eol + 2 + len + 2) {
          if (!Fill()) Die("recv chunk");
        }
        out.append(buf_, eol + 2, len);
        pos = eol + 2 + len + 2;
        if (len == 0) break;
      }
      buf_.erase(0, pos);
      return out;
    }
    size_t cl_at = head.find("content-length:");
    size_t len = cl_at == std::string::npos ? 0 : std::strtoul(head.c_str() + cl_at + 15, nullptr, 10);
    while (buf_.size() < body + len) {
      if (!Fill()) Die("recv body");
    }
    out = buf_.substr(body, len);
    buf_.erase(0, body + len);
    return out;
  }

  std::string host_;
  int port_;
  int fd_ = -1;
  bool must_reconnect_ = false;
  std::string buf_;
};

// Every value of string member `key` in a JSON text (no escapes expected in these values).
std::vector<std::string> Values(const std::string& json, const std::string& key) {
  std::vector<std::string> out;
  std::string needle = "\"" + key + "\":";
  for (size_t at = json.find(needle); at != std::string::npos; at = json.find(needle, at + 1)) {
    size_t open = json.find('"', at + needle.size());
    size_t close = json.find('"', open + 1);
    if (open == std::string::npos || close == std::string::npos) break;
    out.push_back(json.substr(open + 1, close - open - 1));
  }
  return out;
}

std::string CreateQueue(Conn& c, const std::string& name) {
  auto urls = Values(c.Call("CreateQueue", "{\"QueueName\":\"" + name + "\"}"), "QueueUrl");
  if (urls.empty()) {
    std::fprintf(stderr, "CreateQueue %s failed\n", name.c_str());
    std::exit(2);
  }
  return urls[0];
}

int Throughput(const std::string& host, int port, int conns, double seconds, int batch) {
  std::atomic<bool> stop{false};
  std::atomic<long> done{0}, errors{0};
  std::vector<std::thread> threads;
  std::string tag = std::to_string(::getpid()) + "-" + std::to_string(batch);
  for (int t = 0; t < conns; ++t) {
    threads.emplace_back([&, t] {
      Conn c(host, port);
      std::string url = CreateQueue(c, "bench-" + tag + "-" + std::to_string(t));
      std::string q = "\"QueueUrl\":\"" + url + "\"";
      std::string send;
      if (batch == 1) {
        send = "{" + q + ",\"MessageBody\":\"hello from the bench, a small message\"}";
      } else {
        send = "{" + q + ",\"Entries\":[";
        for (int i = 0; i < batch; ++i) {
          send += (i ? "," : "") + std::string("{\"Id\":\"m") + std::to_string(i) +
                  "\",\"MessageBody\":\"hello from the bench, a small message\"}";
        }
        send += "]}";
      }
      std::string receive =
          "{" + q + ",\"MaxNumberOfMessages\":" + std::to_string(batch) + "}";
      while (!stop.load(std::memory_order_relaxed)) {
        int st = 0;
        c.Call(batch == 1 ? "SendMessage" : "SendMessageBatch", send, &st);
        if (st != 200) ++errors;
        auto handles = Values(c.Call("ReceiveMessage", receive, &st), "ReceiptHandle");
        if (st != 200 || handles.empty()) {
          ++errors;
          continue;
        }
        if (batch == 1) {
          c.Call("DeleteMessage", "{" + q + ",\"ReceiptHandle\":\"" + handles[0] + "\"}", &st);
        } else {
          std::string del = "{" + q + ",\"Entries\":[";
          for (size_t i = 0; i < handles.size(); ++i) {
            del += (i ? "," : "") + std::string("{\"Id\":\"d") + std::to_string(i) +
                   "\",\"ReceiptHandle\":\"" + handles[i] + "\"}";
          }
          c.Call("DeleteMessageBatch", del + "]}", &st);
        }
        if (st != 200) ++errors;
        done += static_cast<long>(handles.size());
      }
    });
  }
  // Warm-up, then the measured window.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  long start_count = done.load();
  auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  long measured = done.load() - start_count;
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  stop = true;
  for (auto& th : threads) th.join();
  std::printf("messages_per_s=%.0f conns=%d batch=%d seconds=%.1f errors=%ld\n",
              measured / elapsed, conns, batch, elapsed, errors.load());
  return 0;
}

int Wake(const std::string& host, int port, int runs) {
  Conn poller(host, port), sender(host, port);
  std::string url = CreateQueue(sender, "bench-wake-" + std::to_string(::getpid()));
  std::string q = "\"QueueUrl\":\"" + url + "\"";
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    std::atomic<bool> posted{false};
    Clock::time_point sent_at{};
    std::thread t([&] {
      while (!posted.load()) std::this_thread::sleep_for(std::chrono::microseconds(50));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the poll is parked
      sent_at = Clock::now();
      sender.Call("SendMessage", "{" + q + ",\"MessageBody\":\"wake\"}");
    });
    posted = true;
    std::string out = poller.Call("ReceiveMessage", "{" + q + ",\"WaitTimeSeconds\":20}");
    auto got_at = Clock::now();
    t.join();
    auto handles = Values(out, "ReceiptHandle");
    if (handles.empty()) {
      std::fprintf(stderr, "wake run %d: no message\n", i);
      return 1;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(got_at - sent_at).count());
    poller.Call("DeleteMessage", "{" + q + ",\"ReceiptHandle\":\"" + handles[0] + "\"}");
  }
  std::sort(ms.begin(), ms.end());
  std::printf("wake_p50_ms=%.3f wake_p90_ms=%.3f wake_max_ms=%.3f runs=%d\n", ms[ms.size() / 2],
              ms[ms.size() * 9 / 10], ms.back(), runs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s throughput HOST:PORT CONNS SECONDS BATCH\n"
                 "       %s wake HOST:PORT RUNS\n",
                 argv[0], argv[0]);
    return 2;
  }
  std::string mode = argv[1], hp = argv[2];
  std::string host = hp.substr(0, hp.rfind(':'));
  int port = std::atoi(hp.c_str() + hp.rfind(':') + 1);
  if (mode == "throughput" && argc == 6) {
    return Throughput(host, port, std::atoi(argv[3]), std::atof(argv[4]), std::atoi(argv[5]));
  }
  if (mode == "wake" && argc == 4) return Wake(host, port, std::atoi(argv[3]));
  std::fprintf(stderr, "bad arguments\n");
  return 2;
}
