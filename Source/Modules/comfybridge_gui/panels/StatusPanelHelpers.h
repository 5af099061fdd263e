#pragma once
// Private to comfybridge_gui: the StatusPanel's text helpers (queue, latency, file names).

namespace comfybridge
{

namespace
{
    juce::String utf8 (const char* text) { return juce::String (juce::CharPointer_UTF8 (text)); }

    const juce::String tickMark = utf8 ("\xe2\x9c\x93 "), bullet = utf8 ("\xe2\x80\xa2 "), dot = utf8 (" \xc2\xb7 "), ellipsis = utf8 ("\xe2\x80\xa6");

    /** "3 prompts (running + pending)", or just "3 prompts" when @p width is too narrow for the rest. */
    juce::String describeQueue (const ComfyUIStatus& status, const juce::Font& font, int width)
    {
        if (! status.available)
            return ui::dash();

        if (status.queueSize == 0)
            return "empty";

        const auto count = juce::String (status.queueSize) + (status.queueSize == 1 ? " prompt" : " prompts");
        const auto full = count + " (running + pending)";
        return font.getStringWidthFloat (full) <= (float) width ? full : count;
    }

    juce::String orDash (const juce::String& text) { return text.isNotEmpty() ? text : ui::dash(); }
    juce::String latencyText (const ConnectionMetrics& m) { return orDash (statustext::latency (m, dot)); }
    juce::String uptimeText (double seconds) { return orDash (statustext::uptime (seconds)); }

    /** "v1-5-pru…fp16.safetensors": a file name's start and its end (the extension and a
        few characters before it) within about @p maxChars.
    */
    juce::String abbreviateFileName (const juce::String& name, int maxChars)
    {
        if (name.length() <= maxChars)
            return name;

        const auto extension = name.fromLastOccurrenceOf (".", true, false);
        const auto tail = (extension.length() <= 12 ? extension.length() : 0) + 4;
        const auto head = juce::jmax (6, maxChars - 1 - tail);
        return name.substring (0, head) + ellipsis + name.substring (name.length() - tail);
    }

    juce::String abbreviateEnd (const juce::String& text, int maxChars)
    {
        return text.length() <= maxChars ? text : text.substring (0, maxChars - 1).trimEnd() + ellipsis;
    }

    /** "prefix a, b and 3 more", showing as many of the first two items as fit
        @p width, in the first of @p forms (the same items, ever shorter) that fits.
    */
    juce::String fitList (const juce::String& prefix, std::initializer_list<const juce::StringArray*> forms,
                          const juce::Font& font, int width)
    {
        const auto compose = [&] (const juce::StringArray& items, int shown)
        {
            auto text = prefix;

            for (int i = 0; i < shown; ++i)
                text << (i == 0 ? "" : ", ") << items[i];

            if (items.size() > shown)
                text << " and " << (items.size() - shown) << " more";

            return text;
        };

        const auto& last = **std::prev (forms.end());
        const auto maxShown = juce::jmin (2, last.size());

        for (const auto* items : forms)
            for (int shown = maxShown; shown >= 1; --shown)
                if (const auto text = compose (*items, shown); font.getStringWidthFloat (text) <= (float) width)
                    return text;

        return compose (last, juce::jmin (1, last.size()));
    }

    //==============================================================================
    /** What one readiness row shows. */
    struct ReadinessText
    {
        juce::String text, tooltip;
        juce::Colour colour;
    };

    ReadinessText notCheckedRow (const ReadinessCheck& check)
    {
        if (check.reason.isEmpty())
            return { "not checked yet", "ComfyBridge has not asked the server yet.", Palette::mutedText };

        return { "not checked yet (" + check.reason + ")", "Not checked yet: " + check.reason, Palette::mutedText };
    }

    ReadinessText readyRow (const juce::String& text, const juce::String& tooltip)
    {
        return { tickMark + text, tooltip, Palette::successText };
    }

    ReadinessText notReadyRow (const juce::String& text, const juce::String& tooltip)
    {
        return { text, tooltip, Palette::busy };
    }

    ReadinessText describeCors (const ComfyUIStatus& status)
    {
        if (! status.corsCheckEnabled)
            return { "not required (check off)", "The CORS check is switched off in Preferences, so it does not hold back readiness.",
                     Palette::secondaryText };

        if (! status.corsCheck.checked)
            return notCheckedRow (status.corsCheck);

        if (status.corsEnabled)
            return readyRow ("allowed", "ComfyUI admits cross-origin requests from ComfyBridge.");

        const auto reason = status.corsCheck.reason.isNotEmpty() ? status.corsCheck.reason
                                                                  : juce::String ("ComfyUI does not admit cross-origin requests");
        return notReadyRow (reason, reason);
    }

    ReadinessText describeModels (const ComfyUIStatus& status, const juce::Font& font, int width)
    {
        if (! status.modelsCheck.checked)
            return notCheckedRow (status.modelsCheck);

        if (status.modelsReady)
            return readyRow ("ready", "Every model file the bundled workflows need is on the server.");

        if (status.missingModels.empty())
            return notReadyRow (status.modelsCheck.reason.isNotEmpty() ? status.modelsCheck.reason : juce::String ("not ready"),
                             status.modelsCheck.reason);

        // One entry per file, naming every workflow that needs it.
        struct File { juce::String path, url; juce::StringArray workflows; };
        std::vector<File> files;

        for (const auto& missing : status.missingModels)
        {
            const auto path = missing.folder.isNotEmpty() ? missing.folder + "/" + missing.name : missing.name;
            auto it = std::find_if (files.begin(), files.end(), [&] (const File& f) { return f.path == path; });

            if (it == files.end())
                it = files.insert (files.end(), File { path, missing.url, {} });

            if (it->url.isEmpty())
                it->url = missing.url;

            it->workflows.addIfNotAlreadyThere (missing.workflow);
        }

        juce::StringArray full, shortened, bare;
        auto tooltip = status.modelsCheck.reason.isNotEmpty() ? status.modelsCheck.reason + "\n\n" : juce::String();
        tooltip << "Missing on the server:";

        for (const auto& file : files)
        {
            const auto workflows = file.workflows.isEmpty() ? juce::String() : " (" + file.workflows.joinIntoString (", ") + ")";
            const auto folder = file.path.upToLastOccurrenceOf ("/", true, false);
            full.add (file.path + workflows);
            shortened.add (folder + abbreviateFileName (file.path.fromLastOccurrenceOf ("/", false, false), 22) + workflows);
            bare.add (folder + abbreviateFileName (file.path.fromLastOccurrenceOf ("/", false, false), 22));
            tooltip << "\n" << bullet << file.path << workflows
                    << "\n    " << (file.url.isNotEmpty() ? file.url : juce::String ("no download address known"));
        }

        return notReadyRow (fitList ("missing ", { &full, &shortened, &bare }, font, width), tooltip);
    }

    ReadinessText describeWorkflows (const ComfyUIStatus& status, const juce::Font& font, int width)
    {
        if (! status.workflowsCheck.checked)
            return notCheckedRow (status.workflowsCheck);

        if (status.workflowsReady)
            return readyRow ("ready", "Every node and choice the bundled workflows use exists on the server.");

        if (status.workflowProblems.empty())
            return notReadyRow (status.workflowsCheck.reason.isNotEmpty() ? status.workflowsCheck.reason : juce::String ("not ready"),
                             status.workflowsCheck.reason);

        juce::StringArray full, shortened;
        auto tooltip = status.workflowsCheck.reason.isNotEmpty() ? status.workflowsCheck.reason + "\n\n" : juce::String();
        tooltip << "Cannot run on this server:";

        for (const auto& problem : status.workflowProblems)
        {
            full.add (problem.workflow + ": " + problem.problem);
            shortened.add (problem.workflow + ": " + abbreviateEnd (problem.problem, 36));
            tooltip << "\n" << bullet << problem.workflow << ": " << problem.problem;
        }

        return notReadyRow (fitList ({}, { &full, &shortened }, font, width), tooltip);
    }

    void showValue (juce::Label& label, const juce::String& text, juce::Colour colour, const juce::String& tooltip = {})
    {
        label.setText (text, juce::dontSendNotification);
        label.setColour (juce::Label::textColourId, colour);
        label.setTooltip (tooltip);
    }
}

//==============================================================================

} // namespace comfybridge
