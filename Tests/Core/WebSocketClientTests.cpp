#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include <WebSocketTestSupport.h>

#include <nlohmann/json.hpp>
#include <thread>

#include <poll.h>

using comfybridge::WebSocketClient;
using comfybridge::WebSocketMessage;
using TestHelpers::FakeComfyUI;
using Status = WebSocketClient::ReceiveStatus;
namespace ws = TestHelpers::WebSocket;

namespace
{
    using Clock = std::chrono::steady_clock;

    double millisecondsSince (Clock::time_point start)
    {
        return std::chrono::duration<double, std::milli> (Clock::now() - start).count();
    }

    WebSocketClient::Options optionsFor (int port, const std::string& path = "/ws?clientId=ws-test")
    {
        WebSocketClient::Options options;
        options.url = "ws://127.0.0.1:" + juce::String (port) + juce::String (path);
        options.connectTimeoutSeconds = 5.0;
        return options;
    }

    /** Waits for the next message, failing the test on anything else. */
    WebSocketMessage expectMessage (WebSocketClient& client, int timeoutMs = 5000)
    {
        WebSocketMessage message;
        const auto status = client.receive (message, timeoutMs);
        INFO ("last error: " << client.getLastError());
        REQUIRE (status == Status::message);
        return message;
    }

    /** Connects, reads ComfyUI's first status frame and returns the sid it names. */
    std::string connectAndGreet (WebSocketClient& client, const WebSocketClient::Options& options)
    {
        const auto result = client.connect (options);
        INFO ("connect: " << result.getErrorMessage());
        REQUIRE (result.wasOk());
        REQUIRE (client.isOpen());

        const auto first = expectMessage (client);
        CHECK_FALSE (first.isBinary);
        const auto json = nlohmann::json::parse (first.data);
        REQUIRE (json["type"] == "status");
        return json["data"]["sid"].get<std::string>();
    }

    /** Adds a route that completes the handshake correctly, then runs `afterHandshake`. */
    void addHandshakingRoute (FakeComfyUI& server, const std::string& path,
                              std::function<void (TestHelpers::TakenConnection&)> afterHandshake)
    {
        server.setRoute ("GET", path, [afterHandshake] (const TestHelpers::Request& request)
        {
            const auto key = request.header ("Sec-WebSocket-Key");

            return TestHelpers::Response::takingOver ([key, afterHandshake] (TestHelpers::TakenConnection& connection)
            {
                if (connection.send ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                     "Sec-WebSocket-Accept: " + ws::acceptKeyFor (key) + "\r\n\r\n"))
                    afterHandshake (connection);
            });
        });
    }

    /** A one-route FakeComfyUI-like server that takes the connection over with `session`. */
    void addTakeOverRoute (FakeComfyUI& server, const std::string& path, TestHelpers::TakeOverHandler session)
    {
        server.setRoute ("GET", path, [session] (const TestHelpers::Request&)
        {
            return TestHelpers::Response::takingOver (session);
        });
    }
}

//==============================================================================
TEST_CASE ("the test servers' WebSocket helpers match RFC 6455's example", "[websocket]")
{
    CHECK (ws::acceptKeyFor ("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

    std::string decoded;
    CHECK (ws::base64Decode (ws::base64Encode ("any carnal pleas"), decoded));
    CHECK (decoded == "any carnal pleas");
}

TEST_CASE ("the handshake succeeds and ComfyUI's first status frame names our clientId", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    server.setQueue (1, 2);

    WebSocketClient client;
    const auto result = client.connect (optionsFor (server.port(), "/ws?clientId=plugin-42"));
    INFO (result.getErrorMessage());
    REQUIRE (result.wasOk());

    const auto first = nlohmann::json::parse (expectMessage (client).data);
    CHECK (first["type"] == "status");
    CHECK (first["data"]["sid"] == "plugin-42");
    CHECK (first["data"]["status"]["exec_info"]["queue_remaining"] == 3);
    CHECK (server.waitForWsClient ("plugin-42", 1000));

    const auto request = server.lastRequest();
    CHECK (request.path == "/ws");
    CHECK (request.header ("Host") == "127.0.0.1:" + std::to_string (server.port()));
    CHECK (request.header ("Sec-WebSocket-Version") == "13");
    std::string nonce;
    CHECK (ws::base64Decode (request.header ("Sec-WebSocket-Key"), nonce));
    CHECK (nonce.size() == 16);
}

TEST_CASE ("without a clientId the server assigns a uuid hex sid, also under /api/ws", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    const auto sid = connectAndGreet (client, optionsFor (server.port(), "/api/ws"));
    CHECK (sid.size() == 32);
    CHECK (sid.find_first_not_of ("0123456789abcdef") == std::string::npos);
    CHECK (server.waitForWsClient (sid, 1000));
}

TEST_CASE ("the client never sends an Origin header, even one given in the options", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    auto options = optionsFor (server.port());
    options.headers.set ("Origin", "http://example.com");   // would be a 403 from the origin check
    options.headers.set ("Authorization", "Bearer secret");

    WebSocketClient client;
    connectAndGreet (client, options);

    const auto request = server.lastRequest();
    CHECK_FALSE (request.hasHeader ("Origin"));
    CHECK (request.header ("Authorization") == "Bearer secret");
}

TEST_CASE ("text events pushed by the server arrive in order, including status broadcasts", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    const auto sid = connectAndGreet (client, optionsFor (server.port()));

    REQUIRE (server.sendToClient (sid, R"({"type":"execution_start","data":{"prompt_id":"p1"}})"));
    REQUIRE (server.broadcast (R"({"type":"progress","data":{"value":1,"max":20}})") == 1);
    server.setQueue (0, 4);

    CHECK (nlohmann::json::parse (expectMessage (client).data)["type"] == "execution_start");
    CHECK (nlohmann::json::parse (expectMessage (client).data)["data"]["max"] == 20);

    const auto status = nlohmann::json::parse (expectMessage (client).data);
    CHECK (status["type"] == "status");
    CHECK (status["data"]["status"]["exec_info"]["queue_remaining"] == 4);
    CHECK_FALSE (status["data"].contains ("sid"));
}

TEST_CASE ("every client frame is masked and messages of every length encoding arrive intact", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    const auto sid = connectAndGreet (client, optionsFor (server.port()));

    REQUIRE (client.sendText (R"({"type":"feature_flags","data":{"supports_preview_metadata":true}})"));
    CHECK (nlohmann::json::parse (expectMessage (client).data)["type"] == "feature_flags");

    const std::vector<size_t> sizes { 0, 125, 126, 65535, 65536, 1u << 20 };

    for (auto size : sizes)
    {
        std::string payload (size, 'x');

        for (size_t i = 0; i < size; ++i)
            payload[i] = (char) ('a' + (i % 26));

        REQUIRE (client.sendText (payload));
        REQUIRE (server.sendToClient (sid, payload));
        CHECK (expectMessage (client).data == payload);
    }

    REQUIRE (server.waitForWsFrames (1 + sizes.size(), 5000));
    const auto frames = server.receivedWsFrames();
    REQUIRE (frames.size() == 1 + sizes.size());

    for (size_t i = 0; i < frames.size(); ++i)
    {
        CHECK (frames[i].wasMasked);
        CHECK (frames[i].opcode == ws::text);
        CHECK (frames[i].fin);

        if (i > 0)
            CHECK (frames[i].payload.size() == sizes[i - 1]);
    }

    CHECK (nlohmann::json::parse (frames[0].payload)["type"] == "feature_flags");
    CHECK (frames.back().payload.substr (0, 3) == "abc");
}

TEST_CASE ("a ping is answered with a pong carrying the same payload", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    const auto sid = connectAndGreet (client, optionsFor (server.port()));

    REQUIRE (server.sendRawToClient (sid, ws::encodeFrame (ws::ping, "are you there?")));
    REQUIRE (server.sendToClient (sid, R"({"type":"after-ping"})"));
    CHECK (expectMessage (client).data == R"({"type":"after-ping"})");

    REQUIRE (server.waitForWsFrames (1, 5000));
    const auto frames = server.receivedWsFrames();
    CHECK (frames[0].opcode == ws::pong);
    CHECK (frames[0].payload == "are you there?");
    CHECK (frames[0].wasMasked);
}

TEST_CASE ("a fragmented message is reassembled, with a ping between its fragments", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    const auto sid = connectAndGreet (client, optionsFor (server.port()));

    REQUIRE (server.sendRawToClient (sid, ws::encodeFrame (ws::binary, "Hel", false)
                                          + ws::encodeFrame (ws::ping, "p")
                                          + ws::encodeFrame (ws::continuation, "lo ", false)
                                          + ws::encodeFrame (ws::continuation, "world", true)));
    const auto message = expectMessage (client);
    CHECK (message.isBinary);
    CHECK (message.data == "Hello world");
    CHECK (client.isOpen());
}

TEST_CASE ("bytes trickling in one at a time still make a handshake and a message", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    // The answer depends on the request's key, so the route builds the session per request.
    server.setRoute ("GET", "/trickle", [] (const TestHelpers::Request& request)
    {
        const auto key = request.header ("Sec-WebSocket-Key");

        return TestHelpers::Response::takingOver ([key] (TestHelpers::TakenConnection& connection)
        {
            const auto bytes = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: " + ws::acceptKeyFor (key) + "\r\n\r\n"
                             + ws::encodeFrame (ws::text, "slowly but surely");
            std::string ignored;

            for (auto c : bytes)
                if (! connection.send (std::string (1, c)) || connection.receive (ignored, 2) < 0)
                    return;

            connection.receive (ignored, 2000);
        });
    });

    WebSocketClient client;
    const auto result = client.connect (optionsFor (server.port(), "/trickle"));
    INFO (result.getErrorMessage());
    REQUIRE (result.wasOk());
    CHECK (expectMessage (client).data == "slowly but surely");
}

TEST_CASE ("receive times out without data and leaves the connection open", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    connectAndGreet (client, optionsFor (server.port()));

    WebSocketMessage message;
    const auto start = Clock::now();
    CHECK (client.receive (message, 50) == Status::timeout);
    CHECK (millisecondsSince (start) >= 45.0);
    CHECK (client.receive (message, 0) == Status::timeout);
    CHECK (client.isOpen());
}

TEST_CASE ("an oversized message is rejected with an error and the connection closed", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    SECTION ("a limit set in the options")
    {
        auto options = optionsFor (server.port());
        options.maxMessageBytes = 1024;

        WebSocketClient client;
        const auto sid = connectAndGreet (client, options);
        REQUIRE (server.sendToClient (sid, std::string (2000, 'x')));

        WebSocketMessage message;
        CHECK (client.receive (message, 5000) == Status::error);
        CHECK (client.getLastError().contains ("message of 2000 bytes exceeds the limit"));
        CHECK_FALSE (client.isOpen());
        CHECK (server.waitForWsClientGone (sid, 5000));

        // The client said why (1009 = message too big) before hanging up.
        REQUIRE (server.waitForWsFrames (1, 5000));
        CHECK (server.receivedWsFrames()[0].opcode == ws::close);
        CHECK (server.receivedWsFrames()[0].payload == ws::closePayload (1009));
    }

    SECTION ("the default 16 MiB limit, judged from the frame header alone")
    {
        WebSocketClient client;
        const auto sid = connectAndGreet (client, optionsFor (server.port()));
        REQUIRE (server.sendRawToClient (sid, ws::frameHeader (0x81, (16u << 20) + 1)));

        WebSocketMessage message;
        CHECK (client.receive (message, 5000) == Status::error);
        CHECK (client.getLastError().contains ("message of 16777217 bytes exceeds the limit of 16777216 bytes"));
        CHECK_FALSE (client.isOpen());
    }

    SECTION ("a fragmented message growing past the limit")
    {
        auto options = optionsFor (server.port());
        options.maxMessageBytes = 100;

        WebSocketClient client;
        const auto sid = connectAndGreet (client, options);
        REQUIRE (server.sendRawToClient (sid, ws::encodeFrame (ws::text, std::string (60, 'a'), false)
                                              + ws::encodeFrame (ws::continuation, std::string (60, 'b'))));

        WebSocketMessage message;
        CHECK (client.receive (message, 5000) == Status::error);
        CHECK (client.getLastError().contains ("message of 120 bytes exceeds the limit"));
    }
}

TEST_CASE ("protocol errors from the server fail the connection", "[websocket]")
{
    struct Case
    {
        const char* name;
        std::string bytes;
        const char* expected;
    };

    const std::vector<Case> cases {
        { "masked server frame",         ws::frameHeader (0x81, 2, true) + "hi",           "masked" },
        { "reserved bit set",            ws::frameHeader (0xc1, 2) + "hi",                 "reserved bits" },
        { "unknown data opcode",         ws::frameHeader (0x83, 0),                        "unknown opcode 3" },
        { "unknown control opcode",      ws::frameHeader (0x8b, 0),                        "unknown opcode 11" },
        { "control frame over 125",      ws::frameHeader (0x89, 126) + std::string (126, 'p'), "control frames" },
        { "fragmented control frame",    ws::frameHeader (0x09, 1) + "p",                  "control frames" },
        { "continuation without start",  ws::encodeFrame (ws::continuation, "x"),          "continuation frame" },
        { "new message inside fragments", ws::encodeFrame (ws::text, "a", false) + ws::encodeFrame (ws::text, "b"), "inside a fragmented" },
        { "1-byte close payload",        ws::frameHeader (0x88, 1) + "x",                  "1-byte" },
    };

    FakeComfyUI server;
    REQUIRE (server.start());

    for (const auto& c : cases)
    {
        INFO (c.name);
        WebSocketClient client;
        const auto sid = connectAndGreet (client, optionsFor (server.port()));
        REQUIRE (server.sendRawToClient (sid, c.bytes));

        WebSocketMessage message;
        CHECK (client.receive (message, 5000) == Status::error);
        CHECK (client.getLastError().contains ("protocol error"));
        CHECK (client.getLastError().contains (c.expected));
        CHECK_FALSE (client.isOpen());
        CHECK (client.receive (message, 0) == Status::closed);
    }
}

//==============================================================================
TEST_CASE ("a text message that is not UTF-8 fails the connection with close code 1007", "[websocket]")
{
    const std::vector<std::pair<const char*, std::string>> cases {
        { "whole message, overlong NUL",      ws::encodeFrame (ws::text, std::string ("{\"a\":\"\xc0\x80\"}")) },
        { "whole message, UTF-16 surrogate",  ws::encodeFrame (ws::text, std::string ("\xed\xa0\x80")) },
        { "fragments, truncated at the end",  ws::encodeFrame (ws::text, "ok", false) + ws::encodeFrame (ws::continuation, std::string ("\xe2\x82")) },
    };

    FakeComfyUI server;
    REQUIRE (server.start());

    for (const auto& [name, bytes] : cases)
    {
        INFO (name);
        server.clearWsFrames();
        WebSocketClient client;
        const auto sid = connectAndGreet (client, optionsFor (server.port()));
        REQUIRE (server.sendRawToClient (sid, bytes));

        WebSocketMessage message;
        CHECK (client.receive (message, 5000) == Status::error);
        CHECK (client.getLastError().contains ("not valid UTF-8"));
        CHECK_FALSE (client.isOpen());

        REQUIRE (server.waitForWsFrames (1, 5000));
        CHECK (server.receivedWsFrames()[0].opcode == ws::close);
        CHECK (server.receivedWsFrames()[0].payload == ws::closePayload (1007));
    }
}

TEST_CASE ("a character split across fragments and binary bytes that are not UTF-8 are accepted", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    WebSocketClient client;
    const auto sid = connectAndGreet (client, optionsFor (server.port()));

    // "€" is e2 82 ac: only the whole message must be valid, not each fragment.
    REQUIRE (server.sendRawToClient (sid, ws::encodeFrame (ws::text, std::string ("price \xe2\x82"), false)
                                              + ws::encodeFrame (ws::continuation, std::string ("\xac 5"))));
    const auto text = expectMessage (client);
    CHECK_FALSE (text.isBinary);
    CHECK (text.data == "price \xe2\x82\xac 5");

    REQUIRE (server.sendRawToClient (sid, ws::encodeFrame (ws::binary, std::string ("\xc0\x80\xff", 3))));
    const auto binary = expectMessage (client);
    CHECK (binary.isBinary);
    CHECK (binary.data.size() == 3);
    CHECK (client.isOpen());
}

//==============================================================================
TEST_CASE ("binary preview frames of types 1 and 4 arrive and parse", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    const auto sid = connectAndGreet (client, optionsFor (server.port()));

    const std::string jpeg = "\xff\xd8\xff\xe0 fake jpeg";
    const std::string png = "\x89PNG\r\n\x1a\n fake png";
    const auto metadata = R"({"node_id":"12:3","display_node_id":"12","prompt_id":"p-1","image_type":"image/png"})";

    REQUIRE (server.sendBinaryToClient (sid, ws::previewImageFrame (1, jpeg)));
    REQUIRE (server.sendBinaryToClient (sid, ws::previewWithMetadataFrame (metadata, png)));
    REQUIRE (server.sendBinaryToClient (sid, ws::progressTextFrame ("7", "step 3/20")));

    const auto first = expectMessage (client);
    REQUIRE (first.isBinary);
    const auto type1 = comfybridge::parseComfyUIBinaryFrame (first.data);
    REQUIRE (type1.has_value());
    CHECK (type1->eventType == 1);
    CHECK (type1->mimeType == "image/jpeg");
    CHECK (type1->imageBytes == jpeg);
    CHECK (type1->nodeId.isEmpty());

    const auto type4 = comfybridge::parseComfyUIBinaryFrame (expectMessage (client).data);
    REQUIRE (type4.has_value());
    CHECK (type4->eventType == 4);
    CHECK (type4->mimeType == "image/png");
    CHECK (type4->nodeId == "12:3");
    CHECK (type4->displayNodeId == "12");
    CHECK (type4->promptId == "p-1");
    CHECK (type4->imageBytes == png);

    const auto third = expectMessage (client).data;
    CHECK_FALSE (comfybridge::parseComfyUIBinaryFrame (third).has_value());
    const auto text = comfybridge::parseComfyUITextFrame (third);
    REQUIRE (text.has_value());
    CHECK (text->nodeId == "7");
    CHECK (text->text == "step 3/20");
}

TEST_CASE ("truncated or inconsistent binary frames are rejected without reading out of bounds", "[websocket]")
{
    using comfybridge::parseComfyUIBinaryFrame;
    using comfybridge::parseComfyUITextFrame;

    const std::string image = "\x89PNG\r\n\x1a\n...";
    const auto valid4 = ws::previewWithMetadataFrame (R"({"node_id":"1","prompt_id":"p"})", image);

    CHECK_FALSE (parseComfyUIBinaryFrame ("").has_value());
    CHECK_FALSE (parseComfyUIBinaryFrame (ws::bigEndian32 (1)).has_value());
    CHECK_FALSE (parseComfyUIBinaryFrame (ws::bigEndian32 (1) + "\0\0\0").has_value());
    CHECK_FALSE (parseComfyUIBinaryFrame (ws::previewImageFrame (1, "")).has_value());        // no image
    CHECK_FALSE (parseComfyUIBinaryFrame (ws::previewImageFrame (3, image)).has_value());     // unknown format
    CHECK_FALSE (parseComfyUIBinaryFrame (ws::bigEndian32 (2) + ws::bigEndian32 (1) + image).has_value());
    CHECK_FALSE (parseComfyUIBinaryFrame (ws::bigEndian32 (4) + ws::bigEndian32 (100) + "{}").has_value());
    CHECK_FALSE (parseComfyUIBinaryFrame (ws::bigEndian32 (4) + ws::bigEndian32 (0xffffffffu) + "{}").has_value());
    CHECK_FALSE (parseComfyUIBinaryFrame (ws::previewWithMetadataFrame ("{not json", image)).has_value());
    CHECK_FALSE (parseComfyUIBinaryFrame (ws::previewWithMetadataFrame ("{}", "")).has_value());

    // Every truncation of a valid frame either parses consistently or is rejected.
    for (size_t length = 0; length < valid4.size(); ++length)
    {
        const auto parsed = parseComfyUIBinaryFrame (valid4.substr (0, length));

        if (parsed.has_value())
            CHECK (parsed->imageBytes == image.substr (0, parsed->imageBytes.size()));
    }

    REQUIRE (parseComfyUIBinaryFrame (valid4).has_value());
    CHECK (parseComfyUIBinaryFrame (valid4)->mimeType == "image/png"); // sniffed: no image_type

    CHECK_FALSE (parseComfyUITextFrame (ws::bigEndian32 (3) + ws::bigEndian32 (5) + "abc").has_value());
    CHECK_FALSE (parseComfyUITextFrame (ws::bigEndian32 (3)).has_value());
    CHECK (parseComfyUITextFrame (ws::progressTextFrame ("", "x")).has_value());
}

//==============================================================================
TEST_CASE ("a close frame from the server makes receive return closed", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    const auto sid = connectAndGreet (client, optionsFor (server.port()));
    REQUIRE (server.disconnectClient (sid));

    WebSocketMessage message;
    CHECK (client.receive (message, 5000) == Status::closed);
    CHECK_FALSE (client.isOpen());
    CHECK (client.getLastError().contains ("code 1000"));
    CHECK_FALSE (client.sendText ("too late"));

    // The client answered the close with the same code.
    REQUIRE (server.waitForWsFrames (1, 5000));
    CHECK (server.receivedWsFrames()[0].opcode == ws::close);
    CHECK (server.receivedWsFrames()[0].payload == ws::closePayload (1000));
    CHECK (server.waitForWsClientGone (sid, 5000));
}

TEST_CASE ("a server dropping the TCP connection makes receive return closed", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    const auto sid = connectAndGreet (client, optionsFor (server.port()));
    REQUIRE (server.disconnectClient (sid, false));

    WebSocketMessage message;
    CHECK (client.receive (message, 5000) == Status::closed);
    CHECK (client.getLastError().contains ("without a close frame"));
}

TEST_CASE ("close() performs the close handshake with the server", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    const auto sid = connectAndGreet (client, optionsFor (server.port()));

    const auto start = Clock::now();
    client.close();
    const auto ms = millisecondsSince (start);
    INFO ("close took " << ms << " ms");
    CHECK (ms < 900.0); // the server answers at once; the bound is 1 s
    CHECK_FALSE (client.isOpen());

    REQUIRE (server.waitForWsFrames (1, 5000));
    CHECK (server.receivedWsFrames()[0].opcode == ws::close);
    CHECK (server.receivedWsFrames()[0].payload == ws::closePayload (1000));
    CHECK (server.waitForWsClientGone (sid, 5000));
    CHECK (client.getLastError().isEmpty());
}

TEST_CASE ("close() gives up after about a second when the server never answers", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    addHandshakingRoute (server, "/deaf", [] (TestHelpers::TakenConnection& connection)
    {
        std::string ignored;

        while (connection.receive (ignored, -1) >= 0)
        {
        }
    });

    WebSocketClient client;
    REQUIRE (client.connect (optionsFor (server.port(), "/deaf")).wasOk());

    const auto start = Clock::now();
    client.close();
    const auto ms = millisecondsSince (start);
    INFO ("close took " << ms << " ms");
    CHECK (ms >= 950.0);
    CHECK (ms < 2000.0);
    CHECK_FALSE (client.isOpen());
}

TEST_CASE ("sending to a server that stopped reading times out and drops the connection", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    addHandshakingRoute (server, "/not-reading", [] (TestHelpers::TakenConnection& connection)
    {
        pollfd stop { connection.stopFd(), POLLIN, 0 };
        ::poll (&stop, 1, 10000);
    });

    auto options = optionsFor (server.port(), "/not-reading");
    options.sendTimeoutSeconds = 0.3;

    WebSocketClient client;
    REQUIRE (client.connect (options).wasOk());

    // Loopback socket buffers hold a few MiB at most.
    const std::string big (16u << 20, 'x');
    const auto start = Clock::now();
    CHECK_FALSE (client.sendText (big));
    const auto ms = millisecondsSince (start);
    INFO ("sendText gave up after " << ms << " ms: " << client.getLastError());
    CHECK (client.getLastError().contains ("timed out sending"));
    CHECK (ms >= 290.0);
    CHECK (ms < 1500.0);
    CHECK_FALSE (client.isOpen());
}

TEST_CASE ("a server that is stopped ends a blocking receive promptly", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    connectAndGreet (client, optionsFor (server.port()));

    Status status = Status::message;
    Clock::time_point returnedAt;
    std::thread receiver ([&]
    {
        WebSocketMessage message;
        status = client.receive (message, 10000);
        returnedAt = Clock::now();
    });

    std::this_thread::sleep_for (std::chrono::milliseconds (50)); // let it block in poll()
    const auto stoppedAt = Clock::now();
    server.stop();
    receiver.join();

    const auto ms = std::chrono::duration<double, std::milli> (returnedAt - stoppedAt).count();
    INFO ("receive returned " << ms << " ms after stop() began");
    CHECK ((status == Status::closed || status == Status::error));
    CHECK (ms < 1000.0);
    CHECK_FALSE (client.isOpen());
}

TEST_CASE ("cancel() from another thread wakes a blocking receive at once", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    connectAndGreet (client, optionsFor (server.port()));

    Status status = Status::message;
    Clock::time_point returnedAt;
    std::thread receiver ([&]
    {
        WebSocketMessage message;
        status = client.receive (message, -1);
        returnedAt = Clock::now();
    });

    std::this_thread::sleep_for (std::chrono::milliseconds (50)); // let it block in poll()
    const auto cancelledAt = Clock::now();
    client.cancel();
    receiver.join();

    const auto ms = std::chrono::duration<double, std::milli> (returnedAt - cancelledAt).count();
    INFO ("cancel latency: " << ms << " ms");
    CHECK (status == Status::cancelled);
    CHECK (ms < 100.0);

    // Cancelled calls return at once; the connection itself is left intact.
    WebSocketMessage message;
    CHECK (client.receive (message, 1000) == Status::cancelled);
    CHECK_FALSE (client.sendText ("x"));
    CHECK (client.isOpen());

    client.resetCancellation();
    CHECK (client.sendText ("still here"));
    CHECK (client.receive (message, 0) == Status::timeout);
}

TEST_CASE ("cancel() aborts a connect that hangs in the TCP handshake", "[websocket]")
{
    TestHelpers::NeverAcceptingListener listener;
    REQUIRE (listener.isValid());

    WebSocketClient client;
    auto options = optionsFor (listener.port());
    options.connectTimeoutSeconds = 30.0;

    juce::Result result = juce::Result::ok();
    Clock::time_point returnedAt;
    std::thread connector ([&]
    {
        result = client.connect (options);
        returnedAt = Clock::now();
    });

    std::this_thread::sleep_for (std::chrono::milliseconds (50));
    const auto cancelledAt = Clock::now();
    client.cancel();
    connector.join();

    const auto ms = std::chrono::duration<double, std::milli> (returnedAt - cancelledAt).count();
    INFO ("connect returned " << ms << " ms after cancel()");
    CHECK (result.failed());
    CHECK (result.getErrorMessage() == "cancelled");
    CHECK (ms < 100.0);
}

//==============================================================================
TEST_CASE ("connecting to a closed port fails fast with a clear error", "[websocket]")
{
    WebSocketClient client;
    const auto start = Clock::now();
    const auto result = client.connect (optionsFor (TestHelpers::closedPort()));
    const auto ms = millisecondsSince (start);

    INFO (result.getErrorMessage() << " after " << ms << " ms");
    CHECK (result.failed());
    CHECK (result.getErrorMessage().contains ("connection refused"));
    CHECK (client.getLastError() == result.getErrorMessage());
    CHECK (ms < 1000.0);
    CHECK_FALSE (client.isOpen());
}

TEST_CASE ("localhost works when ::1 refuses and only 127.0.0.1 listens", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    auto options = optionsFor (server.port());
    options.url = "ws://localhost:" + juce::String (server.port()) + "/ws?clientId=local";

    WebSocketClient client;
    CHECK (connectAndGreet (client, options) == "local");
    CHECK (server.lastRequest().header ("Host") == "localhost:" + std::to_string (server.port()));
}

TEST_CASE ("a TCP connect that never completes times out at the deadline", "[websocket]")
{
    TestHelpers::NeverAcceptingListener listener;
    REQUIRE (listener.isValid());

    auto options = optionsFor (listener.port());
    options.connectTimeoutSeconds = 0.3;

    WebSocketClient client;
    const auto start = Clock::now();
    const auto result = client.connect (options);
    const auto ms = millisecondsSince (start);

    INFO (result.getErrorMessage() << " after " << ms << " ms");
    CHECK (result.getErrorMessage().contains ("timed out connecting"));
    CHECK (ms >= 290.0);
    CHECK (ms < 1000.0);
}

TEST_CASE ("a server that never answers the handshake times out at the deadline", "[websocket]")
{
    auto server = TestHelpers::MisbehavingServers::neverAnswering();
    REQUIRE (server != nullptr);

    auto options = optionsFor (server->port());
    options.connectTimeoutSeconds = 0.3;

    WebSocketClient client;
    const auto start = Clock::now();
    const auto result = client.connect (options);
    const auto ms = millisecondsSince (start);

    INFO (result.getErrorMessage() << " after " << ms << " ms");
    CHECK (result.getErrorMessage().contains ("timed out waiting for the WebSocket handshake"));
    CHECK (ms >= 290.0);
    CHECK (ms < 1000.0);
    CHECK_FALSE (server->lastRequest().hasHeader ("Origin"));
}

TEST_CASE ("a 403 answer to the handshake is explained as ComfyUI's origin check", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    server.setRoute ("GET", "/ws", [] (const TestHelpers::Request&) { return TestHelpers::Response::empty (403); });

    WebSocketClient client;
    const auto result = client.connect (optionsFor (server.port()));
    INFO (result.getErrorMessage());
    CHECK (result.getErrorMessage().contains ("HTTP 403"));
    CHECK (result.getErrorMessage().contains ("origin check"));
    CHECK_FALSE (client.isOpen());
}

TEST_CASE ("answers other than a valid 101 fail the handshake with a clear error", "[websocket]")
{
    SECTION ("garbage that is not HTTP")
    {
        auto server = TestHelpers::MisbehavingServers::garbage();
        REQUIRE (server != nullptr);

        WebSocketClient client;
        const auto result = client.connect (optionsFor (server->port()));
        INFO (result.getErrorMessage());
        CHECK (result.getErrorMessage().contains ("did not answer the WebSocket handshake with HTTP"));
    }

    SECTION ("a server closing without a word")
    {
        auto server = TestHelpers::MisbehavingServers::closingImmediately();
        REQUIRE (server != nullptr);

        WebSocketClient client;
        const auto result = client.connect (optionsFor (server->port()));
        CHECK (result.getErrorMessage().contains ("without answering"));
    }

    SECTION ("an HTTP server without a WebSocket endpoint")
    {
        FakeComfyUI server;
        REQUIRE (server.start());

        WebSocketClient client;
        const auto result = client.connect (optionsFor (server.port(), "/not-a-socket?clientId=x"));
        INFO (result.getErrorMessage());
        CHECK (result.getErrorMessage().contains ("HTTP 404"));
        CHECK (result.getErrorMessage().contains ("/not-a-socket"));
    }

    SECTION ("a 200 page instead of an upgrade")
    {
        auto server = TestHelpers::MisbehavingServers::htmlPage();
        REQUIRE (server != nullptr);

        WebSocketClient client;
        const auto result = client.connect (optionsFor (server->port()));
        INFO (result.getErrorMessage());
        CHECK (result.getErrorMessage().contains ("HTTP 200"));
        CHECK (result.getErrorMessage().contains ("instead of 101"));
    }

    SECTION ("a 101 with a wrong Sec-WebSocket-Accept")
    {
        FakeComfyUI server;
        REQUIRE (server.start());
        addTakeOverRoute (server, "/ws", [] (TestHelpers::TakenConnection& connection)
        {
            connection.send ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: " + ws::acceptKeyFor ("somebody else's key") + "\r\n\r\n");
            std::string ignored;
            connection.receive (ignored, 2000);
        });

        WebSocketClient client;
        const auto result = client.connect (optionsFor (server.port()));
        INFO (result.getErrorMessage());
        CHECK (result.getErrorMessage().contains ("Sec-WebSocket-Accept does not match"));
        CHECK_FALSE (client.isOpen());
    }
}

TEST_CASE ("bad URLs are refused before any connection attempt", "[websocket]")
{
    WebSocketClient client;
    auto attempt = [&client] (const juce::String& url)
    {
        WebSocketClient::Options options;
        options.url = url;
        return client.connect (options).getErrorMessage();
    };

    CHECK_FALSE (attempt ("wss://127.0.0.1:" + juce::String (TestHelpers::closedPort()) + "/ws").contains ("expected a ws:// URL"));
    CHECK (attempt ("http://127.0.0.1:8188/ws").contains ("expected a ws:// URL"));
    CHECK (attempt ("127.0.0.1:8188").contains ("not a WebSocket URL"));
    CHECK (attempt ("ws://127.0.0.1:99999/ws").contains ("bad port"));
    CHECK (attempt ("ws://127.0.0.1:/ws").contains ("bad port"));
    CHECK (attempt ("ws://::1:8188/ws").contains ("brackets"));
    CHECK (attempt ("ws://[::1/ws").contains ("unterminated"));
    CHECK (attempt ("ws:///ws").contains ("no host"));
    CHECK (attempt ("ws://127.0.0.1:8188/a b").contains ("percent-encode"));

    // A bracketed IPv6 literal is accepted (nothing listens there, whatever the reason).
    CHECK (attempt ("ws://[::1]:" + juce::String (TestHelpers::closedPort()) + "/ws").contains ("[::1]:"));
}

TEST_CASE ("a host name that does not resolve fails within the connect deadline", "[websocket]")
{
    auto options = optionsFor (0);
    options.url = "ws://comfybridge-test.invalid:8188/ws";
    options.connectTimeoutSeconds = 0.5;

    WebSocketClient client;
    const auto start = Clock::now();
    const auto result = client.connect (options);
    const auto ms = millisecondsSince (start);

    INFO (result.getErrorMessage() << " after " << ms << " ms");
    CHECK (result.failed());
    CHECK ((result.getErrorMessage().contains ("does not resolve") || result.getErrorMessage().contains ("timed out resolving")));
    CHECK (ms < 1500.0);
}

TEST_CASE ("a newer socket with the same clientId takes the events over", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient older, newer;
    connectAndGreet (older, optionsFor (server.port(), "/ws?clientId=same"));
    connectAndGreet (newer, optionsFor (server.port(), "/ws?clientId=same"));

    REQUIRE (server.wsClientIds() == std::vector<std::string> { "same" });
    REQUIRE (server.sendToClient ("same", R"({"type":"for the newer one"})"));
    CHECK (expectMessage (newer).data == R"({"type":"for the newer one"})");

    WebSocketMessage message;
    CHECK (older.receive (message, 100) == Status::timeout);
    CHECK (older.isOpen());
}

TEST_CASE ("a client is reusable: connect again after the server went away", "[websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    const auto sid = connectAndGreet (client, optionsFor (server.port()));
    REQUIRE (server.disconnectClient (sid, false));

    WebSocketMessage message;
    CHECK (client.receive (message, 5000) == Status::closed);
    CHECK (connectAndGreet (client, optionsFor (server.port())) == "ws-test");
    CHECK (client.getLastError().isEmpty());
}
