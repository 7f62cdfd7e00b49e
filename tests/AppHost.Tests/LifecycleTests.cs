using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Platform.Provisioning;
using Platform.Testing;

namespace Platform.AppHost.Tests;

/// <summary>Two runs of the whole platform on the AppHost's own PostgreSQL and Redis, in one data folder.</summary>
public sealed class LifecycleTests
{
    private static readonly string[] Resources = ["auth", "tool-execution", "audit", PlatformDatastores.Postgres, PlatformDatastores.Redis];

    [Fact]
    public async Task A_stopped_run_leaves_no_process_nor_state_behind_and_the_next_run_on_its_folder_reuses_the_admin_key()
    {
        var ct = TestContext.Current.CancellationToken;
        var data = Directory.CreateTempSubdirectory("apphost-tests-");
        try
        {
            var settings = new Dictionary<string, string?> { ["AppHost:DataDirectory"] = data.FullName };
            var stateFile = Path.Combine(data.FullName, "state.json");
            string key;
            List<int> processes;
            await using (var first = await AppHostRun.StartAsync(settings, ct: ct))
            {
                await Poll.UntilAsync(() => File.Exists(stateFile), TimeSpan.FromSeconds(30), "state.json is written");
                key = first.AdminKey;
                processes = [.. Resources.SelectMany(r => ProcessesOf(first, r))];
                processes.Add(int.Parse(File.ReadLines(Path.Combine(data.FullName, "postgres", "postmaster.pid")).First(), CultureInfo.InvariantCulture));
                Assert.All(processes, pid => Assert.True(ServiceProcess.IsAlive(pid), $"pid {pid} is not running"));
            }

            Assert.False(File.Exists(stateFile), "state.json outlived the run");
            Assert.Empty(processes.Where(ServiceProcess.IsAlive).Select(pid => $"{pid}: {CommandLine(pid)}"));

            await using (var second = await AppHostRun.StartAsync(settings, ct: ct))
            {
                Assert.Equal(key, second.AdminKey);
                Assert.Equal(key, ServiceProcess.Environment(second.ProcessId("auth"))["Auth__BootstrapAdminKey"]);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data.FullName, "admin-key")));
            }
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    /// <summary>The process DCP started for the resource (a launcher such as <c>dotnet run</c>, or the server itself) and the one doing the work.</summary>
    private static IEnumerable<int> ProcessesOf(AppHostRun run, string resource)
    {
        Assert.True(run.Services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState(resource, out var state), $"{resource} has no state");
        var launcher = Convert.ToInt32(state.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);
        return [launcher, run.ProcessId(resource)];
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "(gone)";
        }
    }
}
