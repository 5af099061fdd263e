namespace comfybridge::detail
{

juce::String WebSocketUrl::where() const
{
    return (host.containsChar (':') ? "[" + host + "]" : host) + ":" + juce::String (port);
}

juce::String WebSocketUrl::curlUrl() const
{
    return juce::String (secure ? "https://" : "http://") + where() + "/";
}

namespace
{
    juce::Result splitAuthority (const juce::String& url, const juce::String& authority, WebSocketUrl& out)
    {
        juce::String portText;

        if (authority.startsWithChar ('['))
        {
            const auto close = authority.indexOfChar (']');

            if (close < 0)
                return juce::Result::fail ("unterminated IPv6 address in \"" + url + "\"");

            out.host = authority.substring (1, close);
            const auto after = authority.substring (close + 1);

            if (after.isNotEmpty() && ! after.startsWithChar (':'))
                return juce::Result::fail ("bad host in \"" + url + "\"");

            portText = after.substring (1);
        }
        else
        {
            const auto colon = authority.lastIndexOfChar (':');
            out.host = colon < 0 ? authority : authority.substring (0, colon);
            portText = colon < 0 ? juce::String() : authority.substring (colon + 1);

            if (out.host.containsChar (':'))
                return juce::Result::fail ("IPv6 addresses must be in brackets, e.g. ws://[::1]:8188/ws");
        }

        if (out.host.isEmpty())
            return juce::Result::fail ("no host in \"" + url + "\"");

        if (authority.contains (":") && ! authority.endsWithChar (']'))
        {
            if (portText.isEmpty() || ! portText.containsOnly ("0123456789") || portText.length() > 5
                || portText.getIntValue() < 1 || portText.getIntValue() > 65535)
                return juce::Result::fail ("bad port in \"" + url + "\"");

            out.port = portText.getIntValue();
        }

        return juce::Result::ok();
    }

    bool headerHasToken (const juce::String& value, const juce::String& token)
    {
        for (const auto& item : juce::StringArray::fromTokens (value, ",", ""))
            if (item.trim().equalsIgnoreCase (token))
                return true;

        return false;
    }

    juce::Result explainStatus (int statusCode, const juce::String& statusText, const juce::String& target)
    {
        if (statusCode == 403)
            return juce::Result::fail ("the server refused the WebSocket upgrade with HTTP 403: ComfyUI's origin check rejects a request whose "
                                       "Origin differs from its Host (a proxy adding an Origin header?)");

        if (statusCode == 404)
            return juce::Result::fail ("HTTP 404: no WebSocket endpoint at " + target.upToFirstOccurrenceOf ("?", false, false)
                                       + " (is this ComfyUI?)");

        return juce::Result::fail ("the server answered the WebSocket handshake with HTTP " + statusText + " instead of 101");
    }
}

juce::Result parseWebSocketUrl (const juce::String& url, WebSocketUrl& out)
{
    const auto text = url.trim();

    if (! text.contains ("://"))
        return juce::Result::fail ("not a WebSocket URL: \"" + url + "\"");

    const auto scheme = text.upToFirstOccurrenceOf ("://", false, false).toLowerCase();

    if (scheme != "ws" && scheme != "wss")
        return juce::Result::fail ("expected a ws:// URL (or wss://), got \"" + url + "\"");

    out.secure = scheme == "wss";
    out.port = out.secure ? 443 : 80;

    const auto rest = text.fromFirstOccurrenceOf ("://", false, false).upToFirstOccurrenceOf ("#", false, false);
    const auto authorityEnd = rest.indexOfAnyOf ("/?");
    const auto authority = authorityEnd < 0 ? rest : rest.substring (0, authorityEnd);
    out.target = authorityEnd < 0 ? juce::String ("/") : rest.substring (authorityEnd);

    if (out.target.startsWithChar ('?'))
        out.target = "/" + out.target;

    if (authority.containsChar ('@'))
        return juce::Result::fail ("user names in WebSocket URLs are not supported: use an Authorization header");

    if (const auto split = splitAuthority (url, authority, out); split.failed())
        return split;

    // Anything at or below ' ' would let the URL inject request lines.
    for (auto c : out.target.toStdString())
        if ((unsigned char) c <= ' ' || c == 0x7f)
            return juce::Result::fail ("the URL path contains spaces or control characters: percent-encode them");

    out.hostHeader = authority;
    return juce::Result::ok();
}

juce::String makeWebSocketKey()
{
    uint8_t nonce[16];

    if (! fillWithSecureRandomBytes (nonce, sizeof (nonce)))
        return {};

    return juce::Base64::toBase64 (nonce, sizeof (nonce));
}

juce::String expectedAcceptFor (const juce::String& key)
{
    const auto keyAndGuid = key.toStdString() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    const auto digest = sha1Digest (keyAndGuid.data(), keyAndGuid.size());
    return juce::Base64::toBase64 (digest.data(), digest.size());
}

juce::Result buildUpgradeRequest (const WebSocketUrl& url, const juce::String& key,
                                  const juce::StringPairArray& headers, std::string& request)
{
    juce::String text;
    text << "GET " << url.target << " HTTP/1.1\r\n"
         << "Host: " << url.hostHeader << "\r\n"
         << "Upgrade: websocket\r\n"
         << "Connection: Upgrade\r\n"
         << "Sec-WebSocket-Key: " << key << "\r\n"
         << "Sec-WebSocket-Version: 13\r\n"
         << "User-Agent: ComfyBridge/0.1\r\n";

    for (const auto& name : headers.getAllKeys())
    {
        const auto lower = name.trim().toLowerCase();

        if (lower == "origin" || lower == "host" || lower == "upgrade" || lower == "connection"
            || lower.startsWith ("sec-websocket-"))
            continue;

        const auto value = headers[name];

        if ((name + value).containsAnyOf ("\r\n") || name.trim().isEmpty() || name.containsAnyOf (": "))
            return juce::Result::fail ("invalid request header \"" + name + "\"");

        text << name << ": " << value << "\r\n";
    }

    text << "\r\n";
    request = text.toStdString();
    return juce::Result::ok();
}

juce::Result checkUpgradeResponse (const juce::String& head, const juce::String& key, const juce::String& target)
{
    auto lines = juce::StringArray::fromLines (head);
    const auto statusLine = lines[0].trim();

    if (! statusLine.startsWith ("HTTP/1."))
        return juce::Result::fail ("the server did not answer the WebSocket handshake with HTTP (is this ComfyUI?)");

    const auto statusCode = statusLine.fromFirstOccurrenceOf (" ", false, false).getIntValue();

    if (statusCode != 101)
        return explainStatus (statusCode, statusLine.fromFirstOccurrenceOf (" ", false, false).trim(), target);

    juce::StringPairArray headers; // case-insensitive keys

    for (int i = 1; i < lines.size(); ++i)
    {
        const auto name = lines[i].upToFirstOccurrenceOf (":", false, false).trim();
        const auto value = lines[i].fromFirstOccurrenceOf (":", false, false).trim();

        if (name.isNotEmpty())
            headers.set (name, headers.containsKey (name) ? headers[name] + ", " + value : value);
    }

    if (! headers["Upgrade"].equalsIgnoreCase ("websocket") || ! headerHasToken (headers["Connection"], "upgrade"))
        return juce::Result::fail ("HTTP 101 without \"Upgrade: websocket\": not a WebSocket server");

    if (headers["Sec-WebSocket-Accept"] != expectedAcceptFor (key))
        return juce::Result::fail ("the server's Sec-WebSocket-Accept does not match our key");

    if (headers["Sec-WebSocket-Extensions"].isNotEmpty() || headers["Sec-WebSocket-Protocol"].isNotEmpty())
        return juce::Result::fail ("the server chose a WebSocket extension or subprotocol that was not offered");

    return juce::Result::ok();
}

} // namespace comfybridge::detail
