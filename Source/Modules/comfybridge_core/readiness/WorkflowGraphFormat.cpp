namespace comfybridge
{

// Named, not anonymous: the module is one translation unit.
namespace workflowGraphDetail
{
    using Json = nlohmann::json;
    using OrderedJson = nlohmann::ordered_json;

    // Layout, in canvas units. LiteGraph's node size excludes the title bar.
    constexpr int slotHeight = 20, widgetHeight = 24, multilineHeight = 120, titleHeight = 30;
    constexpr int columnGap = 80, rowGap = 40, originX = 50, originY = 50;

    /** One entry of a node's serialized `inputs`. */
    struct InputSlot
    {
        std::string name, type;
        bool convertedWidget = false; ///< a widget the API graph feeds from a link
        std::string sourceKey;        ///< API id of the linked node, empty when unlinked
        int sourceSlot = 0;
        int link = -1;                ///< link id once links are numbered
    };

    struct Node
    {
        std::string key, type, title;
        int id = 0;
        const Json* info = nullptr; ///< object_info entry, null for an unknown class
        std::vector<InputSlot> inputs;
        OrderedJson widgetValues = OrderedJson::array();
        std::vector<std::pair<std::string, std::string>> outputs; ///< name, type
        std::vector<std::vector<int>> outputLinks;
        int multilineWidgets = 0;
        bool showsImages = false;
        int order = 0, depth = 0;
        int x = 0, y = 0, width = 0, height = 0;
    };

    struct Link
    {
        int id, originNode, originSlot, targetNode, targetSlot;
        std::string type;
    };

    OrderedJson toOrdered (const Json& value)
    {
        return OrderedJson::parse (value.dump());
    }

    /** An API input value that is a link: [node id, output index]. */
    bool isLink (const OrderedJson& value)
    {
        return value.is_array() && value.size() == 2 && (value[0].is_string() || value[0].is_number_integer())
               && value[1].is_number_integer();
    }

    std::string linkSource (const OrderedJson& value)
    {
        return value[0].is_string() ? value[0].get<std::string>() : std::to_string (value[0].get<long long>());
    }

    const Json& optionsOf (const Json& spec)
    {
        static const Json none = Json::object();
        return spec.is_array() && spec.size() > 1 && spec[1].is_object() ? spec[1] : none;
    }

    bool flag (const Json& options, const char* name)
    {
        const auto found = options.find (name);
        return found != options.end() && found->is_boolean() && found->get<bool>();
    }

    /** The socket type of an input spec: a list of choices is a COMBO. */
    std::string typeOf (const Json& spec)
    {
        if (! spec.is_array() || spec.empty())
            return "*";

        if (spec[0].is_array())
            return "COMBO";

        return spec[0].is_string() ? spec[0].get<std::string>() : std::string ("*");
    }

    /** True when the frontend shows this input as a widget rather than a socket. */
    bool isWidget (const Json& spec)
    {
        static const std::set<std::string> widgetTypes { "INT", "FLOAT", "STRING", "BOOLEAN", "COMBO" };
        return widgetTypes.count (typeOf (spec)) > 0 && ! flag (optionsOf (spec), "forceInput");
    }

    /** The value a fresh widget of this spec holds, as the frontend sets it. */
    OrderedJson defaultValueOf (const Json& spec)
    {
        const auto& options = optionsOf (spec);
        const auto def = options.find ("default");

        if (def != options.end() && ! def->is_null())
            return toOrdered (*def);

        const auto type = typeOf (spec);

        if (type == "COMBO")
        {
            const auto& choices = spec[0].is_array() ? spec[0] : options.value ("options", Json::array());
            return choices.is_array() && ! choices.empty() ? toOrdered (choices[0]) : OrderedJson ("");
        }

        if (type == "INT" || type == "FLOAT")
        {
            const auto min = options.find ("min");
            return min != options.end() && min->is_number() ? toOrdered (*min) : OrderedJson (0);
        }

        return type == "BOOLEAN" ? OrderedJson (false) : OrderedJson ("");
    }

    /** The class's inputs in the server's order: input_order when the server sends it
        (object_info's own keys are unordered here), else the API graph's key order
        within required, then optional.
    */
    std::vector<std::pair<std::string, const Json*>> orderedInputs (const Json& info, const OrderedJson& apiInputs)
    {
        std::vector<std::pair<std::string, const Json*>> result;
        const auto input = info.find ("input");
        const auto order = info.find ("input_order");

        if (input == info.end() || ! input->is_object())
            return result;

        for (const auto* section : { "required", "optional" })
        {
            const auto specs = input->find (section);

            if (specs == input->end() || ! specs->is_object())
                continue;

            auto add = [&] (const std::string& name)
            {
                const auto spec = specs->find (name);
                const auto seen = std::any_of (result.begin(), result.end(), [&] (const auto& r) { return r.first == name; });

                if (spec != specs->end() && ! seen)
                    result.emplace_back (name, &*spec);
            };

            if (order != info.end() && order->is_object() && order->contains (section) && (*order)[section].is_array())
            {
                for (const auto& name : (*order)[section])
                    if (name.is_string())
                        add (name.get<std::string>());
            }
            else if (apiInputs.is_object())
            {
                for (const auto& item : apiInputs.items())
                    add (item.key());
            }

            for (const auto& item : specs->items()) // anything input_order left out
                add (item.key());
        }

        return result;
    }

    /** Sockets and widget values of a node whose class the server knows. */
    void describeKnownNode (Node& node, const OrderedJson& apiInputs)
    {
        const auto& info = *node.info;

        for (const auto& [name, specPointer] : orderedInputs (info, apiInputs))
        {
            const auto& spec = *specPointer;
            const auto apiValue = apiInputs.is_object() && apiInputs.contains (name) ? apiInputs[name] : OrderedJson();
            const auto linked = isLink (apiValue);

            if (! isWidget (spec))
            {
                InputSlot slot { name, typeOf (spec), false, {}, 0, -1 };

                if (linked)
                {
                    slot.sourceKey = linkSource (apiValue);
                    slot.sourceSlot = apiValue[1].get<int>();
                }

                node.inputs.push_back (slot);
                continue;
            }

            if (linked)
                node.inputs.push_back ({ name, typeOf (spec), true, linkSource (apiValue), apiValue[1].get<int>(), -1 });

            // A linked widget still keeps a value in the frontend (its default).
            node.widgetValues.push_back (linked || apiValue.is_null() ? defaultValueOf (spec) : apiValue);

            const auto& options = optionsOf (spec);

            if (flag (options, "control_after_generate"))
                node.widgetValues.push_back ("fixed"); // the frontend's extra widget after a seed

            if (flag (options, "image_upload"))
                node.widgetValues.push_back ("image"); // LoadImage's upload button keeps a value too

            if (typeOf (spec) == "STRING" && flag (options, "multiline"))
                ++node.multilineWidgets;
        }

        const auto outputs = info.value ("output", Json::array());
        const auto names = info.value ("output_name", Json::array());

        for (std::size_t i = 0; i < outputs.size(); ++i)
        {
            const auto type = outputs[i].is_string() ? outputs[i].get<std::string>() : std::string ("COMBO");
            const auto name = i < names.size() && names[i].is_string() ? names[i].get<std::string>() : type;
            node.outputs.emplace_back (name, type);
        }

        node.showsImages = info.value ("output_node", false)
                           && std::any_of (node.inputs.begin(), node.inputs.end(), [] (const InputSlot& s) { return s.type == "IMAGE"; });
    }

    /** A class the server does not list: keep its links as untyped sockets and its literal values. */
    void describeUnknownNode (Node& node, const OrderedJson& apiInputs)
    {
        if (! apiInputs.is_object())
            return;

        for (const auto& item : apiInputs.items())
        {
            if (isLink (item.value()))
                node.inputs.push_back ({ item.key(), "*", false, linkSource (item.value()), item.value()[1].get<int>(), -1 });
            else
                node.widgetValues.push_back (item.value());
        }
    }

    std::string displayNameOf (const Node& node)
    {
        if (node.info != nullptr && node.info->contains ("display_name") && (*node.info)["display_name"].is_string())
            return (*node.info)["display_name"].get<std::string>();

        return node.type;
    }

    //==============================================================================
    /** Node ids: the API ids where they are positive integers, fresh ones above them otherwise. */
    void assignIds (std::vector<Node>& nodes)
    {
        int highest = 0;
        std::set<int> used;

        for (auto& node : nodes)
        {
            const auto& key = node.key;
            const auto numeric = ! key.empty() && key.size() < 10
                                 && std::all_of (key.begin(), key.end(), [] (char c) { return c >= '0' && c <= '9'; });
            const auto value = numeric ? std::stoi (key) : 0;

            if (value > 0 && used.insert (value).second)
            {
                node.id = value;
                highest = std::max (highest, value);
            }
        }

        for (auto& node : nodes)
            if (node.id == 0)
                node.id = ++highest;
    }

    /** Numbers the links in node and slot order, and widens unknown nodes' outputs to what is linked. */
    std::vector<Link> connect (std::vector<Node>& nodes, const std::map<std::string, std::size_t>& indexOf)
    {
        std::vector<Link> links;

        for (auto& node : nodes)
        {
            for (std::size_t slot = 0; slot < node.inputs.size(); ++slot)
            {
                auto& input = node.inputs[slot];
                const auto source = indexOf.find (input.sourceKey);

                if (input.sourceKey.empty() || source == indexOf.end() || input.sourceSlot < 0)
                    continue;

                auto& origin = nodes[source->second];

                if (origin.info == nullptr)
                    while ((int) origin.outputs.size() <= input.sourceSlot)
                        origin.outputs.emplace_back ("*", "*");

                if (input.sourceSlot >= (int) origin.outputs.size())
                    continue; // the API graph names an output the class does not have: leave it unlinked

                const auto& originType = origin.outputs[(std::size_t) input.sourceSlot].second;
                input.link = (int) links.size() + 1;
                links.push_back ({ input.link, origin.id, input.sourceSlot, node.id, (int) slot,
                                   originType != "*" ? originType : input.type });
            }
        }

        for (auto& node : nodes)
            node.outputLinks.assign (node.outputs.size(), {});

        for (const auto& link : links)
            for (auto& node : nodes)
                if (node.id == link.originNode)
                    node.outputLinks[(std::size_t) link.originSlot].push_back (link.id);

        return links;
    }

    /** Execution order (Kahn, lowest id first) and each node's column: the longest path from a
        source, with sources moved right next to their first consumer.
    */
    void orderAndLayer (std::vector<Node>& nodes, const std::vector<Link>& links)
    {
        std::map<int, std::size_t> byId;
        for (std::size_t i = 0; i < nodes.size(); ++i)
            byId[nodes[i].id] = i;

        std::vector<int> pending (nodes.size(), 0);
        for (const auto& link : links)
            ++pending[byId[link.targetNode]];

        std::set<int> ready;
        for (const auto& node : nodes)
            if (pending[byId[node.id]] == 0)
                ready.insert (node.id);

        std::vector<std::size_t> sorted;
        std::vector<bool> done (nodes.size(), false);

        while (sorted.size() < nodes.size())
        {
            if (ready.empty()) // a cycle (not runnable anyway): take the lowest id left
            {
                const auto left = std::find_if (nodes.begin(), nodes.end(), [&] (const Node& n) { return ! done[byId[n.id]]; });
                ready.insert (left->id);
            }

            const auto index = byId[*ready.begin()];
            ready.erase (ready.begin());

            if (done[index])
                continue;

            done[index] = true;
            sorted.push_back (index);

            for (const auto& link : links)
                if (link.originNode == nodes[index].id && --pending[byId[link.targetNode]] == 0)
                    ready.insert (link.targetNode);
        }

        for (std::size_t i = 0; i < sorted.size(); ++i)
            nodes[sorted[i]].order = (int) i;

        for (const auto index : sorted)
            for (const auto& link : links)
                if (link.targetNode == nodes[index].id && nodes[byId[link.originNode]].order < nodes[index].order)
                    nodes[index].depth = std::max (nodes[index].depth, nodes[byId[link.originNode]].depth + 1);

        for (auto& node : nodes)
        {
            if (! node.inputs.empty() && std::any_of (node.inputs.begin(), node.inputs.end(), [] (const InputSlot& s) { return s.link > 0; }))
                continue;

            int nearest = std::numeric_limits<int>::max();
            for (const auto& link : links)
                if (link.originNode == node.id)
                    nearest = std::min (nearest, nodes[byId[link.targetNode]].depth);

            if (nearest != std::numeric_limits<int>::max())
                node.depth = std::max (node.depth, nearest - 1);
        }
    }

    /** Sizes from the node's rows, then columns left to right, each stacked top-down in the
        order of where its nodes feed the columns to their right.
    */
    void layOut (std::vector<Node>& nodes, const std::vector<Link>& links)
    {
        int lastColumn = 0;

        for (auto& node : nodes)
        {
            const auto rows = std::max<std::size_t> ({ node.inputs.size(), node.outputs.size(), 1 });
            const auto widgets = (int) node.widgetValues.size();
            node.width = node.multilineWidgets > 0 || node.showsImages ? 400 : 320;
            node.height = (int) rows * slotHeight + widgets * widgetHeight + node.multilineWidgets * (multilineHeight - widgetHeight) + 10;

            if (node.showsImages)
                node.height = std::max (node.height, 300);

            lastColumn = std::max (lastColumn, node.depth);
        }

        std::vector<int> columnX ((std::size_t) lastColumn + 1, originX);

        for (int column = 1; column <= lastColumn; ++column)
        {
            int widest = 0;
            for (const auto& node : nodes)
                if (node.depth == column - 1)
                    widest = std::max (widest, node.width);

            columnX[(std::size_t) column] = columnX[(std::size_t) column - 1] + (widest > 0 ? widest : 320) + columnGap;
        }

        for (int column = lastColumn; column >= 0; --column)
        {
            std::vector<std::pair<std::pair<long long, int>, Node*>> members;

            for (auto& node : nodes)
            {
                if (node.depth != column)
                    continue;

                long long key = std::numeric_limits<long long>::max();

                for (const auto& link : links)
                    if (link.originNode == node.id)
                        for (const auto& target : nodes)
                            if (target.id == link.targetNode && target.depth > column)
                                key = std::min (key, (long long) target.y + (long long) link.targetSlot * slotHeight);

                members.push_back ({ { key, node.id }, &node });
            }

            std::sort (members.begin(), members.end(), [] (const auto& a, const auto& b) { return a.first < b.first; });

            int y = originY;
            for (auto& member : members)
            {
                member.second->x = columnX[(std::size_t) column];
                member.second->y = y;
                y += member.second->height + titleHeight + rowGap;
            }
        }
    }

    OrderedJson toJson (const Node& node)
    {
        OrderedJson json;
        json["id"] = node.id;
        json["type"] = node.type;
        json["pos"] = { node.x, node.y };
        json["size"] = { node.width, node.height };
        json["flags"] = OrderedJson::object();
        json["order"] = node.order;
        json["mode"] = 0;
        json["inputs"] = OrderedJson::array();

        for (const auto& input : node.inputs)
        {
            OrderedJson slot;
            slot["name"] = input.name;
            slot["type"] = input.type;

            if (input.convertedWidget)
                slot["widget"] = { { "name", input.name } };

            slot["link"] = input.link > 0 ? OrderedJson (input.link) : OrderedJson();
            json["inputs"].push_back (slot);
        }

        json["outputs"] = OrderedJson::array();

        for (std::size_t i = 0; i < node.outputs.size(); ++i)
        {
            OrderedJson slot;
            slot["name"] = node.outputs[i].first;
            slot["type"] = node.outputs[i].second;
            slot["links"] = node.outputLinks[i];
            slot["slot_index"] = (int) i;
            json["outputs"].push_back (slot);
        }

        if (! node.title.empty() && node.title != displayNameOf (node))
            json["title"] = node.title;

        json["properties"] = { { "Node name for S&R", node.type } };
        json["widgets_values"] = node.widgetValues;
        return json;
    }
} // namespace workflowGraphDetail

//==============================================================================
juce::String graphWorkflowId (const juce::String& workflowName)
{
    const auto text = ("comfybridge workflow " + workflowName).toStdString();
    auto bytes = sha256Digest (text.data(), text.size());

    bytes[6] = (uint8_t) ((bytes[6] & 0x0f) | 0x50); // version 5 (name-based)
    bytes[8] = (uint8_t) ((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant

    const auto hex = juce::String::toHexString (bytes.data(), 16, 0).toLowerCase();
    return hex.substring (0, 8) + "-" + hex.substring (8, 12) + "-" + hex.substring (12, 16) + "-"
           + hex.substring (16, 20) + "-" + hex.substring (20, 32);
}

std::string toGraphWorkflow (const juce::String& apiJson, const NodeCatalog& catalog, const juce::String& workflowName)
{
    const auto& objectInfo = detail::objectInfoOf (catalog);
    using namespace workflowGraphDetail;

    const auto api = OrderedJson::parse (apiJson.toStdString(), nullptr, false);

    if (api.is_discarded() || ! api.is_object())
        return {};

    std::vector<Node> nodes;

    for (const auto& item : api.items())
    {
        Node node;
        node.key = item.key();
        const auto& entry = item.value();
        node.type = entry.is_object() ? entry.value ("class_type", std::string()) : std::string();

        if (entry.is_object() && entry.contains ("_meta") && entry["_meta"].is_object())
            node.title = entry["_meta"].value ("title", std::string());

        if (objectInfo.is_object() && objectInfo.contains (node.type) && objectInfo[node.type].is_object())
            node.info = &objectInfo[node.type];

        const auto inputs = entry.is_object() ? entry.value ("inputs", OrderedJson::object()) : OrderedJson::object();

        if (node.info != nullptr)
            describeKnownNode (node, inputs);
        else
            describeUnknownNode (node, inputs);

        nodes.push_back (std::move (node));
    }

    assignIds (nodes);
    std::sort (nodes.begin(), nodes.end(), [] (const Node& a, const Node& b) { return a.id < b.id; });

    std::map<std::string, std::size_t> indexOf;
    for (std::size_t i = 0; i < nodes.size(); ++i)
        indexOf[nodes[i].key] = i;

    const auto links = connect (nodes, indexOf);
    orderAndLayer (nodes, links);
    layOut (nodes, links);

    OrderedJson graph;
    graph["id"] = graphWorkflowId (workflowName).toStdString();
    graph["revision"] = 0;
    graph["last_node_id"] = nodes.empty() ? 0 : nodes.back().id;
    graph["last_link_id"] = (int) links.size();
    graph["nodes"] = OrderedJson::array();

    for (const auto& node : nodes)
        graph["nodes"].push_back (toJson (node));

    graph["links"] = OrderedJson::array();

    for (const auto& link : links)
        graph["links"].push_back ({ link.id, link.originNode, link.originSlot, link.targetNode, link.targetSlot, link.type });

    graph["groups"] = OrderedJson::array();
    graph["config"] = OrderedJson::object();
    graph["extra"] = { { "ds", { { "scale", 1 }, { "offset", { 0, 0 } } } } };
    graph["version"] = 0.4;

    return graph.dump (2) + "\n";
}

} // namespace comfybridge
