using System.Text.Json;
using Platform.AppHost.Model;
using Platform.AppHost.Orchestration;

namespace Platform.AppHost.Tests;

/// <summary>The platform's three resource names, each backed by the fake service, in a throwaway data directory.</summary>
internal sealed class FakeApplication : IDisposable
{
    private static readonly string FakeProject = Path.GetFullPath(
        Path.Combine(AppContext.BaseDirectory, "../../../../AppHost.Tests.FakeService/AppHost.Tests.FakeService.csproj"));

    public FakeApplication()
    {
        Directory.CreateDirectory(RecordDirectory);
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("apphost-tests-").FullName;

    public string DataDirectory => Path.Combine(Root, ".apphost");

    public string RecordDirectory => Path.Combine(Root, "records");

    public StringWriter Output { get; } = new();

    public AppHostOptions Options(
        Action<IReadOnlyList<RunningService>>? ready = null, string? crash = null, IReadOnlyDictionary<string, int>? ports = null, Action<ServiceControl>? control = null)
    {
        var environment = new Dictionary<string, string> { ["FAKE_RECORD_DIR"] = RecordDirectory };
        if (crash is not null)
        {
            environment["FAKE_CRASH"] = crash;
        }

        return new AppHostOptions
        {
            RepositoryRoot = Root,
            Services = [.. PlatformModel.Services.Select(s => s with { ProjectPath = FakeProject })],
            KeepData = false,
            UseContainers = false,
            BuildServices = false,
#if DEBUG
            BuildConfiguration = "Debug",
#else
            BuildConfiguration = "Release",
#endif
            ExtraEnvironment = environment,
            ServiceEnvironment = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                ["audit"] = new Dictionary<string, string> { ["FAKE_AUDIT_ONLY"] = "1" },
            },
            Ports = ports ?? new Dictionary<string, int>(),
            Output = TextWriter.Synchronized(Output),
            Ready = ready,
            Control = control,
        };
    }

    public Dictionary<string, string> RecordedEnvironment(string service) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(RecordDirectory, service + ".json")))!;

    public IEnumerable<int> RecordedProcessIds() =>
        Directory.EnumerateFiles(RecordDirectory, "*.json")
            .Select(file => int.Parse(JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(file))!["FAKE_PID"], System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
