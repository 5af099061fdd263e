#pragma once

// Internal to the module's translation unit: the JSON behind a NodeCatalog.

namespace comfybridge
{

struct NodeCatalog::Data
{
    nlohmann::json objectInfo; ///< always an object
};

namespace detail
{
    /** The spec of one input ([TYPE, {options}]) from a class's info, or nullptr. */
    inline const nlohmann::json* findInputSpec (const nlohmann::json& classInfo, const std::string& input)
    {
        if (! classInfo.is_object())
            return nullptr;

        const auto inputs = classInfo.find ("input");

        if (inputs == classInfo.end() || ! inputs->is_object())
            return nullptr;

        for (const auto* section : { "required", "optional" })
        {
            const auto s = inputs->find (section);

            if (s == inputs->end() || ! s->is_object())
                continue;

            if (const auto i = s->find (input); i != s->end())
                return &*i;
        }

        return nullptr;
    }

    /** The allowed values of a combo input spec, or nullptr when it is no combo or its
        choices are not known up front (V3 "remote" combos load theirs from a URL).
    */
    inline const nlohmann::json* comboChoices (const nlohmann::json& spec)
    {
        if (! spec.is_array() || spec.empty())
            return nullptr;

        const auto& type = spec[0];

        if (type.is_array())
            return &type; // classic combo

        if (type.is_string() && type.get<std::string>() == "COMBO" && spec.size() > 1 && spec[1].is_object())
        {
            const auto& options = spec[1];

            if (const auto remote = options.find ("remote"); remote != options.end() && ! remote->is_null())
                return nullptr;

            if (const auto o = options.find ("options"); o != options.end() && o->is_array())
                return &*o;
        }

        return nullptr;
    }

    /** The catalog's /object_info JSON; an empty object when it was not read. */
    inline const nlohmann::json& objectInfoOf (const NodeCatalog& catalog)
    {
        static const nlohmann::json none = nlohmann::json::object();
        const auto* data = catalog.getData();
        return data != nullptr ? data->objectInfo : none;
    }
}

} // namespace comfybridge
