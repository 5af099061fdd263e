namespace comfybridge
{

const juce::Identifier ComfyUIConfig::treeType { "ComfyUIConfig" };

//==============================================================================
namespace
{
    constexpr int maxHostLength = 253;
    constexpr int maxTokenLength = 4096;

    /** RFC 6750 b64token: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "=" padding. Empty = no token. */
    bool isBearerToken (const juce::String& token)
    {
        const auto body = token.trimCharactersAtEnd ("=");
        return token.isEmpty()
            || (body.isNotEmpty() && body.containsOnly ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/"));
    }

    bool isIpv6Literal (const juce::String& text)
    {
        // Hex groups, colons, an optional embedded IPv4 tail; "::" at most once.
        if (text.isEmpty() || ! text.containsOnly ("0123456789abcdefABCDEF:."))
            return false;

        const auto colons = text.length() - text.removeCharacters (":").length();
        const auto doubleColons = text.indexOf ("::") >= 0 ? 1 + (text.indexOf (text.indexOf ("::") + 1, "::") >= 0 ? 1 : 0) : 0;

        return colons >= 2 && colons <= 7 && doubleColons <= 1 && ! text.contains (":::");
    }

    bool isHostName (const juce::String& text)
    {
        auto name = text.endsWithChar ('.') ? text.dropLastCharacters (1) : text;

        for (const auto& label : juce::StringArray::fromTokens (name, ".", ""))
        {
            if (label.isEmpty() || label.length() > 63
                || ! label.containsOnly ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
                || label.startsWithChar ('-') || label.endsWithChar ('-'))
                return false;
        }

        return name.isNotEmpty();
    }

    /** Empty when the host is usable, otherwise why it is not. */
    juce::String describeHostProblem (const juce::String& host)
    {
        if (host.isEmpty())
            return "is empty; expected a host name, IPv4 or IPv6 address such as localhost";

        for (auto c : host)
            if (c < 0x20 || c == 0x7f)
                return "contains a control character";

        if (host.containsAnyOf (" \t"))
            return "contains spaces";

        if (host.contains ("://"))
            return "must not include a scheme (use the host alone, e.g. localhost)";

        if (host.containsAnyOf ("/?#"))
            return "must not include a path";

        if (host.length() > maxHostLength)
            return "is " + juce::String (host.length()) + " characters long; at most " + juce::String (maxHostLength) + " are allowed";

        if (host.startsWithChar ('[') && host.endsWithChar (']'))
            return isIpv6Literal (host.substring (1, host.length() - 1)) ? juce::String() : "is not a valid IPv6 address";

        if (host.containsChar (':'))
            return isIpv6Literal (host) ? juce::String() : "must not include a port (set the port field instead)";

        return isHostName (host) ? juce::String() : "is not a valid host name";
    }

    juce::String quotedNumber (double value)
    {
        // Whole numbers without ".0"; others in the shortest form that reads back exactly.
        if (std::isfinite (value) && value == std::floor (value) && std::abs (value) < 1.0e15)
            return "'" + juce::String ((juce::int64) value) + "'";

        return "'" + juce::String (nlohmann::json (value).dump()) + "'";
    }

    /** Converts one JSON value to a var of the field's kind, or returns an error. */
    std::variant<juce::var, juce::String> fromJsonValue (const detail::ConfigField& field, const nlohmann::ordered_json& value)
    {
        const juce::String key (field.key);
        const auto typeName = juce::String (value.type_name());

        switch (field.kind)
        {
            case detail::FieldKind::text:
                if (! value.is_string())
                    return key + ": expected a string, got " + typeName + " " + juce::String (value.dump());
                return juce::var (value.get<juce::String>());

            case detail::FieldKind::integer:
                if (value.is_number_integer() || value.is_number_unsigned())
                {
                    const auto n = value.get<double>();
                    if (n < -1.0e9 || n > 1.0e9)
                        return key + ": " + juce::String (value.dump()) + " is far out of range";
                    return juce::var ((int) value.get<int64_t>());
                }
                if (value.is_number_float() && std::floor (value.get<double>()) == value.get<double>() && std::abs (value.get<double>()) < 1.0e9)
                    return juce::var ((int) value.get<double>());
                return key + ": expected a whole number, got " + typeName + " " + juce::String (value.dump());

            case detail::FieldKind::number:
                if (! value.is_number())
                    return key + ": expected a number, got " + typeName + " " + juce::String (value.dump());
                return juce::var (value.get<double>());

            case detail::FieldKind::boolean:
                if (! value.is_boolean())
                    return key + ": expected true or false, got " + typeName + " " + juce::String (value.dump());
                return juce::var (value.get<bool>());

            case detail::FieldKind::fallbackMode:
                if (! value.is_string())
                    return key + ": expected one of \"placeholder\", \"skip\", \"abort\", got " + typeName + " " + juce::String (value.dump());
                return detail::parseFieldText (field, value.get<juce::String>());
        }

        return key + ": unsupported field kind";
    }

    /** One problem of a config: the field's key and the whole message (which starts with the key). */
    struct FieldProblem
    {
        juce::String key, message;
    };

    /** What a parser found wrong with the values it was given, before validation. */
    struct InputProblems
    {
        juce::StringArray keysInInputOrder;      ///< every known key the input held, in the input's order
        std::map<juce::String, juce::String> byKey; ///< a type/format error per key
        juce::StringArray general;               ///< problems no single field owns
    };

    std::vector<FieldProblem> findFieldProblems (const ComfyUIConfig& config);

    /** Validates the merged config and reports every problem at once, one line per
        field in the input's order: a field's type error where it had one, else its
        range error; then problems of fields the input did not name (they come from
        the base). A field with a type error keeps the base value in the merged config,
        so validation never reports a second, misleading line for it.
    */
    ConfigParseResult finish (ComfyUIConfig merged, const InputProblems& input, juce::StringArray warnings)
    {
        ConfigParseResult result;
        result.warnings = std::move (warnings);
        result.errors = input.general;

        std::map<juce::String, juce::String> rangeProblems;
        juce::StringArray rangeKeysInTableOrder;

        for (auto& problem : findFieldProblems (merged))
        {
            rangeKeysInTableOrder.add (problem.key);
            rangeProblems[problem.key] = problem.message;
        }

        for (const auto& key : input.keysInInputOrder)
        {
            if (const auto typeError = input.byKey.find (key); typeError != input.byKey.end())
                result.errors.add (typeError->second);
            else if (const auto rangeError = rangeProblems.find (key); rangeError != rangeProblems.end())
                result.errors.add (rangeError->second);
        }

        for (const auto& key : rangeKeysInTableOrder)
            if (! input.keysInInputOrder.contains (key))
                result.errors.add (rangeProblems[key]);

        if (result.errors.isEmpty())
            result.config = std::move (merged);

        return result;
    }

    bool isKnownKey (const juce::String& key)
    {
        return std::any_of (detail::configFields().begin(), detail::configFields().end(),
                            [&] (const auto& f) { return key == f.key; });
    }

    const detail::ConfigField& fieldFor (const juce::String& key)
    {
        return *std::find_if (detail::configFields().begin(), detail::configFields().end(),
                              [&] (const auto& f) { return key == f.key; });
    }
}

//==============================================================================
namespace
{
    std::vector<FieldProblem> findFieldProblems (const ComfyUIConfig& c)
    {
        std::vector<FieldProblem> problems;
        const auto add = [&problems] (const char* key, const juce::String& rest)
        {
            problems.push_back ({ key, juce::String (key) + ": " + rest });
        };

        if (auto hostProblem = describeHostProblem (c.host); hostProblem.isNotEmpty())
            add ("host", detail::quoted (c.host.length() > 80 ? c.host.substring (0, 77) + "..." : c.host) + " " + hostProblem);

        if (c.port < 1 || c.port > 65535)
            add ("port", juce::String (c.port) + " is out of range; expected 1 to 65535");

        if (! (c.timeout > 0.0 && c.timeout <= 600.0))
            add ("timeout", quotedNumber (c.timeout) + " is out of range; expected more than 0 and at most 600 seconds");

        if (c.maxRetries < 0 || c.maxRetries > 100)
            add ("max_retries", juce::String (c.maxRetries) + " is out of range; expected 0 to 100");

        if (! (c.retryBackoff >= 1.0 && c.retryBackoff <= 10.0))
            add ("retry_backoff", quotedNumber (c.retryBackoff) + " is out of range; expected 1.0 to 10.0");

        if (! (c.probeTimeout > 0.0 && c.probeTimeout <= 60.0))
            add ("probe_timeout", quotedNumber (c.probeTimeout) + " is out of range; expected more than 0 and at most 60 seconds");

        if (c.modelsFolder.isNotEmpty() && (c.modelsFolder.containsAnyOf ("\r\n\t") || ! juce::File::isAbsolutePath (c.modelsFolder)))
            add ("models_folder", detail::quoted (c.modelsFolder) + " is not an absolute folder path (leave it empty to ask the server)");

        if (c.caFile.isNotEmpty() && (c.caFile.containsAnyOf ("\r\n\t") || ! juce::File::isAbsolutePath (c.caFile)))
            add ("ca_file", detail::quoted (c.caFile) + " is not an absolute file path (leave it empty to trust the system's certificate authorities)");

        // The token itself never appears in a message: messages reach logs and screens.
        if (c.authToken.length() > maxTokenLength)
            add ("auth_token", "is " + juce::String (c.authToken.length()) + " characters long; at most " + juce::String (maxTokenLength) + " are allowed");
        else if (! isBearerToken (c.authToken))
            add ("auth_token", "contains characters a bearer token cannot hold (allowed: letters, digits and - . _ ~ + / with = only at the end)");

        return problems;
    }
}

juce::StringArray ComfyUIConfig::validate() const
{
    juce::StringArray messages;

    for (auto& problem : findFieldProblems (*this))
        messages.add (problem.message);

    return messages;
}

double ComfyUIConfig::getEffectiveProbeTimeout() const
{
    return juce::jmin (probeTimeout, timeout);
}

juce::String ComfyUIConfig::getBaseUrl() const
{
    return getBaseUrlForPort (port);
}

juce::String ComfyUIConfig::getBaseUrlForPort (int otherPort) const
{
    const auto needsBrackets = host.containsChar (':') && ! host.startsWithChar ('[');
    return juce::String (useTls ? "https://" : "http://") + (needsBrackets ? "[" + host + "]" : host) + ":" + juce::String (otherPort);
}

juce::String ComfyUIConfig::getWebSocketUrl (const juce::String& clientId) const
{
    return "ws" + getBaseUrl().fromFirstOccurrenceOf ("http", false, false) + "/ws?clientId=" + clientId;
}

juce::StringPairArray ComfyUIConfig::getAuthHeaders() const
{
    juce::StringPairArray headers;

    if (authToken.isNotEmpty())
        headers.set ("Authorization", "Bearer " + authToken);

    return headers;
}

bool ComfyUIConfig::isLoopbackHost() const
{
    const auto h = host.trimCharactersAtStart ("[").trimCharactersAtEnd ("]").toLowerCase();

    if (h == "localhost" || h == "localhost." || h.endsWith (".localhost") || h == "::1" || h == "0:0:0:0:0:0:0:1")
        return true;

    // 127.0.0.0/8, written as a dotted quad.
    const auto parts = juce::StringArray::fromTokens (h, ".", "");
    return parts.size() == 4 && parts[0] == "127"
        && std::all_of (parts.begin(), parts.end(), [] (const juce::String& p)
                        { return p.isNotEmpty() && p.length() <= 3 && p.containsOnly ("0123456789") && p.getIntValue() <= 255; });
}

//==============================================================================
juce::String ComfyUIConfig::toJson (Secrets secrets) const
{
    auto json = nlohmann::ordered_json::object();

    for (const auto& field : detail::configFields())
    {
        if (field.secret && secrets == Secrets::omit)
            continue;

        const auto value = field.get (*this);

        switch (field.kind)
        {
            case detail::FieldKind::text:
            case detail::FieldKind::fallbackMode: json[field.key] = value.toString().toStdString(); break;
            case detail::FieldKind::integer:      json[field.key] = (int) value; break;
            case detail::FieldKind::number:       json[field.key] = (double) value; break;
            case detail::FieldKind::boolean:      json[field.key] = (bool) value; break;
        }
    }

    return detail::fromStd (json.dump (2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

ConfigParseResult ComfyUIConfig::fromJson (const juce::String& jsonText, const ComfyUIConfig& base)
{
    // ordered_json keeps the file's key order, so problems are listed as the user wrote the fields.
    nlohmann::ordered_json parsed;
    InputProblems input;

    try
    {
        parsed = nlohmann::ordered_json::parse (jsonText.toStdString());
    }
    catch (const nlohmann::json::parse_error& e)
    {
        input.general.add ("malformed JSON: " + juce::String (e.what()));
        return finish (base, input, {});
    }

    if (! parsed.is_object())
    {
        input.general.add ("expected a JSON object with config keys, got " + juce::String (parsed.type_name()));
        return finish (base, input, {});
    }

    auto merged = base;
    juce::StringArray warnings;

    for (const auto& item : parsed.items())
    {
        const juce::String key (item.key());

        if (! isKnownKey (key))
        {
            warnings.add ("unknown key '" + key + "' ignored");
            continue;
        }

        const auto& field = fieldFor (key);
        input.keysInInputOrder.addIfNotAlreadyThere (key);
        auto converted = fromJsonValue (field, item.value());

        if (auto* error = std::get_if<juce::String> (&converted))
            input.byKey[key] = *error;
        else
            field.set (merged, std::get<juce::var> (converted));
    }

    return finish (std::move (merged), input, std::move (warnings));
}

ConfigParseResult ComfyUIConfig::fromText (const juce::StringPairArray& values, const ComfyUIConfig& base)
{
    auto merged = base;
    InputProblems input;
    juce::StringArray warnings;

    for (const auto& key : values.getAllKeys())
    {
        if (! isKnownKey (key))
        {
            warnings.add ("unknown key '" + key + "' ignored");
            continue;
        }

        const auto& field = fieldFor (key);
        input.keysInInputOrder.addIfNotAlreadyThere (key);
        auto converted = detail::parseFieldText (field, values[key]);

        if (auto* error = std::get_if<juce::String> (&converted))
            input.byKey[key] = *error;
        else
            field.set (merged, std::get<juce::var> (converted));
    }

    return finish (std::move (merged), input, std::move (warnings));
}

//==============================================================================
juce::ValueTree ComfyUIConfig::toValueTree (Secrets secrets) const
{
    juce::ValueTree tree (treeType);

    // Numbers are stored as the shortest text that reads back to the same double,
    // so the tree survives XML (where every attribute is text) without loss.
    for (const auto& field : detail::configFields())
    {
        if (field.secret && secrets == Secrets::omit)
            continue;

        const auto value = field.get (*this);

        if (field.kind == detail::FieldKind::number)
            tree.setProperty (field.key, juce::String (nlohmann::json ((double) value).dump()), nullptr);
        else
            tree.setProperty (field.key, value, nullptr);
    }

    return tree;
}

ConfigParseResult ComfyUIConfig::fromValueTree (const juce::ValueTree& tree, const ComfyUIConfig& base)
{
    if (! tree.hasType (treeType))
    {
        ConfigParseResult result;
        result.errors.add ("expected a " + treeType.toString() + " tree, got '" + tree.getType().toString() + "'");
        return result;
    }

    juce::StringPairArray values;

    for (int i = 0; i < tree.getNumProperties(); ++i)
    {
        const auto name = tree.getPropertyName (i);
        const auto& value = tree.getProperty (name);
        values.set (name.toString(), value.isBool() ? juce::String (value ? "true" : "false") : value.toString());
    }

    return fromText (values, base);
}

ConfigParseResult ComfyUIConfig::fromJson (const juce::String& jsonText)       { return fromJson (jsonText, ComfyUIConfig()); }
ConfigParseResult ComfyUIConfig::fromText (const juce::StringPairArray& values) { return fromText (values, ComfyUIConfig()); }
ConfigParseResult ComfyUIConfig::fromValueTree (const juce::ValueTree& tree)    { return fromValueTree (tree, ComfyUIConfig()); }

bool ComfyUIConfig::operator== (const ComfyUIConfig& other) const
{
    return host == other.host && port == other.port && timeout == other.timeout
        && maxRetries == other.maxRetries && retryBackoff == other.retryBackoff
        && enableCorsCheck == other.enableCorsCheck && autoDownloadModels == other.autoDownloadModels
        && autoDeployWorkflows == other.autoDeployWorkflows && fallbackMode == other.fallbackMode
        && probeTimeout == other.probeTimeout && useTls == other.useTls && discoverPort == other.discoverPort
        && modelsFolder == other.modelsFolder && authToken == other.authToken && caFile == other.caFile;
}

} // namespace comfybridge
