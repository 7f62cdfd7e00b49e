using Microsoft.Extensions.Configuration;
using Platform.AppHost.Model;

namespace Platform.AppHost.Orchestration;

public sealed class AppHostOptions
{
    public required string RepositoryRoot { get; init; }

    public required IReadOnlyList<ServiceResource> Services { get; init; }

    /// <summary>Local server data, the admin key and state.json. Ignored by git.</summary>
    public string DataDirectory => DataDirectoryOverride ?? Path.Combine(RepositoryRoot, ".apphost");

    public string? DataDirectoryOverride { get; init; }

    public string? PostgresConnectionString { get; init; }

    public string? RedisConnectionString { get; init; }

    /// <summary>Keep the PostgreSQL cluster between runs; tests turn it off.</summary>
    public bool KeepData { get; init; } = true;

    public bool UseContainers { get; init; } = true;

    public string BuildConfiguration { get; init; } = "Debug";

    /// <summary>False when the caller built the services already (tests).</summary>
    public bool BuildServices { get; init; } = true;

    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Fixed ports by service name; the others get a free port.</summary>
    public IReadOnlyDictionary<string, int> Ports { get; init; } = new Dictionary<string, int>();

    /// <summary>Added to every service's environment after the contract (tests, local overrides).</summary>
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Added to one service's environment (by service name) after <see cref="ExtraEnvironment"/>, e.g. a replica configured differently.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ServiceEnvironment { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    public TextWriter Output { get; init; } = Console.Out;

    /// <summary>A live status line and colors; plain lines when output is redirected.</summary>
    public bool Interactive { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Called once every service is healthy and state.json is written.</summary>
    public Action<IReadOnlyList<RunningService>>? Ready { get; init; }

    /// <summary>Called after <see cref="Ready"/> with a handle to kill, restart and add service processes (failure drills).</summary>
    public Action<ServiceControl>? Control { get; init; }

    public static AppHostOptions FromConfiguration(IConfiguration configuration, string repositoryRoot, IReadOnlyList<ServiceResource> services) => new()
    {
        RepositoryRoot = repositoryRoot,
        Services = services,
        PostgresConnectionString = NullIfEmpty(configuration.GetConnectionString(PlatformModel.Postgres)),
        RedisConnectionString = NullIfEmpty(configuration.GetConnectionString(PlatformModel.Redis)),
        BuildConfiguration = configuration["AppHost:Configuration"] ?? "Debug",
        HealthTimeout = TimeSpan.FromSeconds(configuration.GetValue("AppHost:HealthTimeoutSeconds", 120)),
        Ports = configuration.GetSection("AppHost:Ports").GetChildren()
            .Where(port => int.TryParse(port.Value, out _))
            .ToDictionary(port => port.Key, port => int.Parse(port.Value!, System.Globalization.CultureInfo.InvariantCulture)),
        Interactive = !Console.IsOutputRedirected,
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

public sealed record RunningService(ServiceResource Resource, Uri Url, int ProcessId);
