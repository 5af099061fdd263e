// Conformance of the fake: the test server the rest of the suite uses (Tests/Helpers/FakeComfyUI
// with Tests/Support/FakeExecutor) must answer the wire facts our client relies on exactly as
// the real ComfyUI does. A difference fails here with the fact's name and both answers; fix the
// fake and note it in Tests/Helpers/README.md.

#include "ConformanceSupport.h"
#include "WireFacts.h"

#include <FakeComfyUI.h>
#include "Support/FakeExecutor.h"

using namespace Conformance;
using json = nlohmann::json;

namespace
{
    void compareFacts (const json& real, const json& fake)
    {
        for (const auto& [fact, answer] : real.items())
        {
            const auto faked = fake.contains (fact) ? fake[fact] : json ("<not collected>");
            INFO (fact << "\n  real ComfyUI: " << answer.dump() << "\n  FakeComfyUI:  " << faked.dump());
            CHECK (faked == answer);
        }
    }
}

TEST_CASE ("conformance: FakeComfyUI's CORS mode answers as ComfyUI with --enable-cors-header '*'", "[conformance][wirefacts]")
{
    CONFORMANCE_NEEDS_OWN_SERVER ("starting ComfyUI with --enable-cors-header");
    auto& server = requireServer ({ "--enable-cors-header", "*" });
    const auto real = collectCorsFacts (server.host(), server.port());

    TestHelpers::FakeComfyUI fake;
    REQUIRE (fake.start());
    fake.setCorsOrigin ("*");
    compareFacts (real, collectCorsFacts ("127.0.0.1", fake.port()));
}

TEST_CASE ("conformance: FakeComfyUI answers the requests our client makes as the real ComfyUI does", "[conformance][wirefacts]")
{
    auto& server = requireServer();
    const auto real = collectWireFacts (server.host(), server.port());

    TestHelpers::FakeComfyUI fake;
    REQUIRE (fake.start());
    TestSupport::FakeExecutor executor (fake);
    compareFacts (real, collectWireFacts ("127.0.0.1", fake.port()));
}

TEST_CASE ("conformance: FakeComfyUI's origin check answers as the real one", "[conformance][wirefacts]")
{
    auto& server = requireServer();
    // A user's server may run with CORS on: this compares the default mode only.
    juce::StringPairArray origin;
    origin.set ("Origin", "http://example.com");
    if (http (server, "GET", "/system_stats", {}, origin).statusCode != 403)
    {
        WARN ("skipped: the ComfyUI at " << server.baseUrl() << " does not run with the default origin check");
        return;
    }

    const auto real = collectOriginCheckFacts (server.host(), server.port());
    TestHelpers::FakeComfyUI fake;
    REQUIRE (fake.start());
    compareFacts (real, collectOriginCheckFacts ("127.0.0.1", fake.port()));
}
