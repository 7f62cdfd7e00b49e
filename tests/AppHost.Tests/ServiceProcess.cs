using System.Globalization;
using System.Text;

namespace Platform.AppHost.Tests;

/// <summary>What <c>/proc</c> says about a process of the run.</summary>
internal static class ServiceProcess
{
    /// <summary>The environment the process was started with.</summary>
    public static IReadOnlyDictionary<string, string> Environment(int pid)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var raw = Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/environ"));
        foreach (var entry in raw.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = entry.IndexOf('=', StringComparison.Ordinal);
            if (separator > 0)
            {
                environment[entry[..separator]] = entry[(separator + 1)..];
            }
        }

        return environment;
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
