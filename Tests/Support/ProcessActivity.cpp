#include "ProcessActivity.h"

#include <dirent.h>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace TestSupport
{

namespace
{
    std::string firstLine (const std::string& path)
    {
        std::ifstream file (path);
        std::string line;
        std::getline (file, line);
        return line;
    }

    /** voluntary_ctxt_switches + nonvoluntary_ctxt_switches from a /proc/.../status file. */
    long long switchesIn (const std::string& statusPath)
    {
        std::ifstream file (statusPath);
        std::string key;
        long long total = 0, value = 0;

        while (file >> key)
        {
            if ((key == "voluntary_ctxt_switches:" || key == "nonvoluntary_ctxt_switches:") && file >> value)
                total += value;
        }

        return total;
    }
}

ProcessActivity ProcessActivity::read (int pid)
{
    ProcessActivity activity;
    const auto dir = "/proc/" + std::to_string (pid);

    // Fields 14 and 15 of stat (utime, stime) count every thread, even finished ones;
    // the name in field 2 may hold spaces, so count from the closing parenthesis.
    const auto stat = firstLine (dir + "/stat");
    const auto close = stat.rfind (')');

    if (close == std::string::npos)
        return activity;

    std::istringstream fields (stat.substr (close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;

    for (int index = 3; fields >> field; ++index)
    {
        if (index == 14)
            utime = std::stoull (field);

        if (index == 15)
        {
            stime = std::stoull (field);
            break;
        }
    }

    activity.cpuSeconds = (double) (utime + stime) / (double) sysconf (_SC_CLK_TCK);

    if (auto* tasks = opendir ((dir + "/task").c_str()))
    {
        while (auto* entry = readdir (tasks))
        {
            if (entry->d_name[0] == '.')
                continue;

            const auto taskDir = dir + "/task/" + entry->d_name;
            const auto switches = switchesIn (taskDir + "/status");
            activity.contextSwitches += switches;
            activity.onCpuSeconds += std::strtod (firstLine (taskDir + "/schedstat").c_str(), nullptr) / 1e9;
            activity.threadSwitches[std::string (entry->d_name) + " " + firstLine (taskDir + "/comm")] = switches;
        }

        closedir (tasks);
    }

    activity.valid = true;
    return activity;
}

} // namespace TestSupport
