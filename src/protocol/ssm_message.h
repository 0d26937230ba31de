// The Session Manager data channel's binary message (the "ClientMessage" of AWS's
// session-manager-plugin, reference section K): a 116-byte big-endian header (message type,
// schema version, creation time, sequence number, flags, message id, SHA-256 of the payload,
// payload type) then the payload length and the payload. Shared by nimbus's ECS Exec endpoint and
// its `nimbus ecs exec` client. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nimbus::ssm {

// Message types (the header's 32-byte field, space padded on the wire).
inline constexpr std::string_view kInputStreamData = "input_stream_data";
inline constexpr std::string_view kOutputStreamData = "output_stream_data";
inline constexpr std::string_view kAcknowledge = "acknowledge";
inline constexpr std::string_view kChannelClosed = "channel_closed";
inline constexpr std::string_view kStartPublication = "start_publication";
inline constexpr std::string_view kPausePublication = "pause_publication";

enum class PayloadType : uint32_t {
  kNone = 0,
  kOutput = 1,
  kError = 2,
  kSize = 3,
  kParameter = 4,
  kHandshakeRequest = 5,
  kHandshakeResponse = 6,
  kHandshakeComplete = 7,
  kEncChallengeRequest = 8,
  kEncChallengeResponse = 9,
  kFlag = 10,
  kStdErr = 11,
  kExitCode = 12,
};

// Flag payloads (a big-endian u32) the client sends as PayloadType kFlag.
enum class ClientFlag : uint32_t { kDisconnectToPort = 1, kTerminateSession = 2 };

inline constexpr uint64_t kFlagSyn = 1;  // Flags bit 0
inline constexpr uint64_t kFlagFin = 2;  // Flags bit 1
inline constexpr uint32_t kHeaderLength = 116;

struct Message {
  std::string message_type;  // without the padding
  uint32_t schema_version = 1;
  uint64_t created_ms = 0;
  int64_t sequence_number = 0;
  uint64_t flags = 0;
  std::string message_id;  // canonical lower-case UUID text
  PayloadType payload_type = PayloadType::kNone;
  std::string payload;
  // Decode: the header's digest is the payload's (its SHA-256's 32 bytes, or the first 32
  // characters of its hex as npm ssm-session writes it).
  bool digest_ok = true;
};

// The wire bytes (the digest computed from the payload; the id's two halves swapped as the
// plugin does). A message id that is not a UUID is encoded as zeros.
std::string Encode(const Message& message);

// Parses wire bytes; InvalidArgument when they are short or the header length or payload length
// disagree with the size. A digest that does not match the payload is reported in digest_ok,
// not refused: npm ssm-session, which works against AWS, hashes binary input wrongly, so AWS's
// service evidently accepts such messages.
Result<Message> Decode(std::string_view bytes);

// A stream message (kInputStreamData from a client, kOutputStreamData from the agent) numbered
// `sequence`, with a fresh message id, created at `now_ms`.
Message StreamData(std::string_view message_type, int64_t sequence, PayloadType payload_type,
                   std::string payload, uint64_t now_ms);

// {"AcknowledgedMessageType","AcknowledgedMessageId","AcknowledgedMessageSequenceNumber",
// "IsSequentialMessage":true} for `acked`, wrapped in an `acknowledge` message (flags 3, seq 0).
Message AcknowledgeFor(const Message& acked, uint64_t now_ms);

// The sequence number an acknowledge message names, or InvalidArgument.
Result<int64_t> AcknowledgedSequence(const Message& ack);

// Puts one direction's numbered stream messages back in order (both ends acknowledge every
// stream message they get, then handle them in sequence): a resend of a message already taken
// is dropped, one from the future is kept (up to `max_early` of them) until the gap is filled.
// Not thread-safe.
class InOrder {
 public:
  explicit InOrder(size_t max_early = 1000) : max_early_(max_early) {}
  // The messages `m` makes ready, in sequence order: none, `m`, or `m` and kept ones after it.
  std::vector<Message> Take(Message m);
  // The sequence number expected next.
  int64_t next() const { return next_; }

 private:
  size_t max_early_;
  int64_t next_ = 0;
  std::map<int64_t, Message> early_;
};

}  // namespace nimbus::ssm
