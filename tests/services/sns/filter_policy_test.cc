#include "services/sns/filter_policy.h"

#include <gtest/gtest.h>

namespace nimbus::sns {
namespace {

MessageAttributes Attrs(std::initializer_list<std::pair<std::string, MessageAttribute>> list) {
  MessageAttributes out;
  for (const auto& [k, v] : list) out[k] = v;
  return out;
}
MessageAttribute S(std::string v) { return {"String", std::move(v)}; }
MessageAttribute N(std::string v) { return {"Number", std::move(v)}; }
MessageAttribute A(std::string v) { return {"String.Array", std::move(v)}; }
MessageAttribute B(std::string v) { return {"Binary", std::move(v)}; }

struct AttrCase {
  const char* policy;
  MessageAttributes attrs;
  bool match;
};

// Every operator, each with a message that matches and one that does not (attribute scope).
const AttrCase kAttrCases[] = {
    // exact strings, case-sensitive; any value of the list
    {R"({"c":["red","blue"]})", Attrs({{"c", S("blue")}}), true},
    {R"({"c":["red","blue"]})", Attrs({{"c", S("Red")}}), false},
    {R"({"c":["red"]})", Attrs({}), false},
    {R"({"c":["red"]})", Attrs({{"other", S("red")}}), false},
    // exact numbers, against Number attributes only
    {R"({"p":[100]})", Attrs({{"p", N("100.0")}}), true},
    {R"({"p":[100]})", Attrs({{"p", N("100.5")}}), false},
    {R"({"p":[100]})", Attrs({{"p", S("100")}}), false},
    {R"({"p":[0.00001]})", Attrs({{"p", N("0.00001")}}), true},
    // prefix, suffix, equals-ignore-case
    {R"({"c":[{"prefix":"dark"}]})", Attrs({{"c", S("darkred")}}), true},
    {R"({"c":[{"prefix":"dark"}]})", Attrs({{"c", S("red")}}), false},
    {R"({"c":[{"suffix":"red"}]})", Attrs({{"c", S("darkred")}}), true},
    {R"({"c":[{"suffix":"red"}]})", Attrs({{"c", S("redish")}}), false},
    {R"({"c":[{"equals-ignore-case":"RED"}]})", Attrs({{"c", S("rEd")}}), true},
    {R"({"c":[{"equals-ignore-case":"RED"}]})", Attrs({{"c", S("reds")}}), false},
    // anything-but: a value, a list, numbers, prefix, suffix; an absent key never matches
    {R"({"c":[{"anything-but":"red"}]})", Attrs({{"c", S("blue")}}), true},
    {R"({"c":[{"anything-but":"red"}]})", Attrs({{"c", S("red")}}), false},
    {R"({"c":[{"anything-but":["red","blue"]}]})", Attrs({{"c", S("green")}}), true},
    {R"({"c":[{"anything-but":["red","blue"]}]})", Attrs({{"c", S("blue")}}), false},
    {R"({"p":[{"anything-but":[100,200]}]})", Attrs({{"p", N("150")}}), true},
    {R"({"p":[{"anything-but":[100,200]}]})", Attrs({{"p", N("200")}}), false},
    {R"({"c":[{"anything-but":{"prefix":"dark"}}]})", Attrs({{"c", S("red")}}), true},
    {R"({"c":[{"anything-but":{"prefix":"dark"}}]})", Attrs({{"c", S("darkred")}}), false},
    {R"({"c":[{"anything-but":{"suffix":"red"}}]})", Attrs({{"c", S("blue")}}), true},
    {R"({"c":[{"anything-but":{"suffix":"red"}}]})", Attrs({{"c", S("darkred")}}), false},
    {R"({"c":[{"anything-but":"red"}]})", Attrs({}), false},
    // numeric: each operator and ranges
    {R"({"p":[{"numeric":["=",301.5]}]})", Attrs({{"p", N("301.5")}}), true},
    {R"({"p":[{"numeric":["=",301.5]}]})", Attrs({{"p", N("301")}}), false},
    {R"({"p":[{"numeric":[">",0]}]})", Attrs({{"p", N("0.1")}}), true},
    {R"({"p":[{"numeric":[">",0]}]})", Attrs({{"p", N("0")}}), false},
    {R"({"p":[{"numeric":[">=",0]}]})", Attrs({{"p", N("0")}}), true},
    {R"({"p":[{"numeric":[">=",0]}]})", Attrs({{"p", N("-1")}}), false},
    {R"({"p":[{"numeric":["<",10]}]})", Attrs({{"p", N("9.99")}}), true},
    {R"({"p":[{"numeric":["<",10]}]})", Attrs({{"p", N("10")}}), false},
    {R"({"p":[{"numeric":["<=",10]}]})", Attrs({{"p", N("10")}}), true},
    {R"({"p":[{"numeric":["<=",10]}]})", Attrs({{"p", N("10.1")}}), false},
    {R"({"p":[{"numeric":[">",0,"<=",150]}]})", Attrs({{"p", N("150")}}), true},
    {R"({"p":[{"numeric":[">",0,"<=",150]}]})", Attrs({{"p", N("151")}}), false},
    {R"({"p":[{"numeric":[">=",-5,"<",5]}]})", Attrs({{"p", N("-5")}}), true},
    {R"({"p":[{"numeric":[">=",-5,"<",5]}]})", Attrs({{"p", N("5")}}), false},
    {R"({"p":[{"numeric":[">",0]}]})", Attrs({{"p", S("5")}}), false},
    // exists
    {R"({"c":[{"exists":true}]})", Attrs({{"c", S("x")}}), true},
    {R"({"c":[{"exists":true}]})", Attrs({}), false},
    {R"({"c":[{"exists":false}]})", Attrs({}), true},
    {R"({"c":[{"exists":false}]})", Attrs({{"c", S("x")}}), false},
    // Binary attributes are ignored (as if absent)
    {R"({"c":[{"exists":true}]})", Attrs({{"c", B("AAE=")}}), false},
    {R"({"c":[{"exists":false}]})", Attrs({{"c", B("AAE=")}}), true},
    // String.Array: any element
    {R"({"i":["rugby"]})", Attrs({{"i", A(R"(["soccer","rugby"])")}}), true},
    {R"({"i":["golf"]})", Attrs({{"i", A(R"(["soccer","rugby"])")}}), false},
    {R"({"i":[{"numeric":[">",5]}]})", Attrs({{"i", A("[1, 10]")}}), true},
    {R"({"i":[{"prefix":"ru"}]})", Attrs({{"i", A(R"(["soccer"])")}}), false},
    // cidr
    {R"({"ip":[{"cidr":"10.0.0.0/24"}]})", Attrs({{"ip", S("10.0.0.255")}}), true},
    {R"({"ip":[{"cidr":"10.0.0.0/24"}]})", Attrs({{"ip", S("10.0.1.1")}}), false},
    {R"({"ip":[{"cidr":"2001:db8::/32"}]})", Attrs({{"ip", S("2001:db8::1")}}), true},
    {R"({"ip":[{"cidr":"2001:db8::/32"}]})", Attrs({{"ip", S("2001:db9::1")}}), false},
    {R"({"ip":[{"cidr":"10.0.0.0/8"}]})", Attrs({{"ip", S("not an ip")}}), false},
    // AND across keys, OR within a key
    {R"({"c":["red"],"p":[{"numeric":[">",1]}]})", Attrs({{"c", S("red")}, {"p", N("2")}}), true},
    {R"({"c":["red"],"p":[{"numeric":[">",1]}]})", Attrs({{"c", S("red")}, {"p", N("1")}}), false},
    // $or
    {R"({"$or":[{"c":["red"]},{"p":[{"numeric":[">",1]}]}]})", Attrs({{"p", N("2")}}), true},
    {R"({"$or":[{"c":["red"]},{"p":[{"numeric":[">",1]}]}]})", Attrs({{"c", S("blue")}}), false},
    {R"({"s":["x"],"$or":[{"c":["red"]},{"c":["blue"]}]})",
     Attrs({{"s", S("x")}, {"c", S("blue")}}), true},
    {R"({"s":["x"],"$or":[{"c":["red"]},{"c":["blue"]}]})",
     Attrs({{"s", S("y")}, {"c", S("blue")}}), false},
    // an empty policy matches everything
    {R"({})", Attrs({}), true},
};

TEST(FilterPolicyTest, AttributeTable) {
  for (const AttrCase& c : kAttrCases) {
    auto p = FilterPolicy::Parse(c.policy, FilterScope::kMessageAttributes);
    ASSERT_TRUE(p.ok()) << c.policy << ": " << p.error();
    EXPECT_EQ(p->MatchesAttributes(c.attrs), c.match) << c.policy;
  }
}

struct BodyCase {
  const char* policy;
  const char* body;
  bool match;
};

const BodyCase kBodyCases[] = {
    {R"({"order":{"kind":["book"]}})", R"({"order":{"kind":"book"}})", true},
    {R"({"order":{"kind":["book"]}})", R"({"order":{"kind":"pen"}})", false},
    {R"({"order":{"kind":["book"]}})", R"({"kind":"book"})", false},
    {R"({"order":{"kind":["book"]}})", "not json", false},
    {R"({"n":[5]})", R"({"n":5})", true},
    {R"({"n":[5]})", R"({"n":"5"})", false},
    {R"({"b":[true]})", R"({"b":true})", true},
    {R"({"b":[true]})", R"({"b":false})", false},
    {R"({"z":[null]})", R"({"z":null})", true},
    {R"({"z":[null]})", R"({"z":0})", false},
    {R"({"tags":["a"]})", R"({"tags":["b","a"]})", true},
    {R"({"tags":["c"]})", R"({"tags":["b","a"]})", false},
    {R"({"items":{"sku":[{"prefix":"X"}]}})", R"({"items":[{"sku":"A1"},{"sku":"X2"}]})", true},
    {R"({"items":{"sku":[{"prefix":"X"}]}})", R"({"items":[{"sku":"A1"}]})", false},
    {R"({"a":{"b":{"c":[{"numeric":["<",0]}]}}})", R"({"a":{"b":{"c":-1}}})", true},
    {R"({"a":{"b":{"c":[{"numeric":["<",0]}]}}})", R"({"a":{"b":{"c":1}}})", false},
    {R"({"a":[{"exists":false}]})", R"({"b":1})", true},
    {R"({"a":[{"exists":false}]})", R"({"a":1})", false},
    {R"({"$or":[{"a":["x"]},{"b":{"c":["y"]}}]})", R"({"b":{"c":"y"}})", true},
    {R"({"$or":[{"a":["x"]},{"b":{"c":["y"]}}]})", R"({"b":{"c":"z"}})", false},
};

TEST(FilterPolicyTest, BodyTable) {
  for (const BodyCase& c : kBodyCases) {
    auto p = FilterPolicy::Parse(c.policy, FilterScope::kMessageBody);
    ASSERT_TRUE(p.ok()) << c.policy << ": " << p.error();
    EXPECT_EQ(p->MatchesBody(c.body), c.match) << c.policy << " on " << c.body;
  }
}

struct BadCase {
  const char* policy;
  FilterScope scope;
  const char* error;
};

const BadCase kBadCases[] = {
    {"not json", FilterScope::kMessageAttributes, "FilterPolicy: failed to parse JSON."},
    {R"(["a"])", FilterScope::kMessageAttributes,
     "FilterPolicy: Filter policy must be a JSON object"},
    {R"({"a":{"b":["c"]}})", FilterScope::kMessageAttributes,
     "FilterPolicy: Filter policy scope MessageAttributes does not support nested filter policy"},
    {R"({"a":[]})", FilterScope::kMessageAttributes, "FilterPolicy: Empty arrays are not allowed"},
    {R"({"a":"x"})", FilterScope::kMessageAttributes,
     "FilterPolicy: \"a\" must be an object or an array"},
    {R"({"a":[{"bogus":1}]})", FilterScope::kMessageAttributes,
     "FilterPolicy: Unrecognized match type bogus"},
    {R"({"a":[[1]]})", FilterScope::kMessageAttributes,
     "FilterPolicy: Match value must be String, number, true, false, or null"},
    {R"({"a":[{"prefix":1}]})", FilterScope::kMessageAttributes,
     "FilterPolicy: prefix match pattern must be a string"},
    {R"({"a":[{"exists":"yes"}]})", FilterScope::kMessageAttributes,
     "FilterPolicy: exists match pattern must be either true or false."},
    {R"({"a":[{"numeric":[">","x"]}]})", FilterScope::kMessageAttributes,
     "FilterPolicy: Value of > must be numeric"},
    {R"({"a":[{"numeric":["~",1]}]})", FilterScope::kMessageAttributes,
     "FilterPolicy: Unrecognized numeric range operator: ~"},
    {R"({"a":[{"numeric":["<",1,">",0]}]})", FilterScope::kMessageAttributes,
     "FilterPolicy: Bad numeric range operator: >"},
    {R"({"a":[{"numeric":[">",5,"<",1]}]})", FilterScope::kMessageAttributes,
     "FilterPolicy: Bottom must be less than top"},
    {R"({"a":[{"numeric":["=",1,"<",2]}]})", FilterScope::kMessageAttributes,
     "FilterPolicy: Too many elements in numeric expression"},
    {R"({"a":[1000000001]})", FilterScope::kMessageAttributes,
     "FilterPolicy: Numeric value must be between -1000000000 and 1000000000"},
    {R"({"a":[{"cidr":"10.0.0.0"}]})", FilterScope::kMessageAttributes,
     "FilterPolicy: Malformed CIDR, one '/' required"},
    {R"({"a":[{"anything-but":{"contains":"x"}}]})", FilterScope::kMessageAttributes,
     "FilterPolicy: Unsupported anything-but pattern: contains"},
    {R"({"$or":[{"a":["x"]}]})", FilterScope::kMessageAttributes,
     "FilterPolicy: Value of $or must be an array of at least 2 objects"},
    {R"({"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]})",
     FilterScope::kMessageAttributes, "FilterPolicy: Filter policy can not have more than 5 keys"},
    // 10 x 16 = 160 combinations > 150
    {R"({"a":["1","2","3","4","5","6","7","8","9","10"],
         "b":["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16"]})",
     FilterScope::kMessageAttributes, "FilterPolicy: Filter policy is too complex"},
};

TEST(FilterPolicyTest, ValidationErrors) {
  for (const BadCase& c : kBadCases) {
    auto p = FilterPolicy::Parse(c.policy, c.scope);
    ASSERT_FALSE(p.ok()) << c.policy;
    EXPECT_EQ(p.error(), c.error) << c.policy;
  }
}

TEST(FilterPolicyTest, ComplexityCountsEveryOrBranch) {
  // 10 x 15 = 150 is the limit itself; a second branch of 1 more goes over it.
  std::string ten = R"(["1","2","3","4","5","6","7","8","9","10"])";
  std::string fifteen = R"(["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15"])";
  EXPECT_TRUE(FilterPolicy::Parse(R"({"a":)" + ten + R"(,"b":)" + fifteen + "}",
                                  FilterScope::kMessageAttributes)
                  .ok());
  auto over =
      FilterPolicy::Parse(R"({"$or":[{"a":)" + ten + R"(,"b":)" + fifteen + R"(},{"c":["x"]}]})",
                          FilterScope::kMessageAttributes);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error(), "FilterPolicy: Filter policy is too complex");
}

}  // namespace
}  // namespace nimbus::sns
