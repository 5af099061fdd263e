namespace comfybridge
{

SharedConnectionManagers& SharedConnectionManagers::getInstance()
{
    static SharedConnectionManagers instance;
    return instance;
}

std::shared_ptr<ConnectionManager> SharedConnectionManagers::acquire (const ComfyUIConfig& config)
{
    // The whole config is the key: instances that differ in timeout or fallback
    // mode must not silently inherit each other's behaviour.
    const auto key = config.toJson (ComfyUIConfig::Secrets::include); // in memory only: a different token is a different backend
    std::lock_guard<std::mutex> lock (mutex);

    if (auto existing = managers[key].lock())
        return existing;

    auto created = std::make_shared<ConnectionManager> (config);
    managers[key] = created;

    // Forget entries whose managers are gone.
    for (auto it = managers.begin(); it != managers.end();)
        it = it->second.expired() ? managers.erase (it) : std::next (it);

    return created;
}

int SharedConnectionManagers::getNumLiveManagers()
{
    std::lock_guard<std::mutex> lock (mutex);
    int live = 0;

    for (auto& entry : managers)
        live += entry.second.expired() ? 0 : 1;

    return live;
}

} // namespace comfybridge
