using Microsoft.Playwright;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Debian's <c>chromium</c>, driven through Playwright (no browser download), with a virtual WebAuthn authenticator
/// (Chrome DevTools Protocol) standing in for a platform authenticator such as Touch ID or Windows Hello.
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private readonly ICDPSession _devTools;
    private readonly string _authenticatorId;

    private Chromium(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page, ICDPSession devTools, string authenticatorId)
    {
        _playwright = playwright;
        _browser = browser;
        _devTools = devTools;
        _authenticatorId = authenticatorId;
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>The passkeys the virtual authenticator holds, each with the relying party it belongs to.</summary>
    public async Task<IReadOnlyList<string>> PasskeyRelyingPartiesAsync()
    {
        var answer = await _devTools.SendAsync("WebAuthn.getCredentials", new Dictionary<string, object> { ["authenticatorId"] = _authenticatorId });
        return [.. answer!.Value.GetProperty("credentials").EnumerateArray().Select(c => c.GetProperty("rpId").GetString()!)];
    }

    public static async Task<Chromium> LaunchAsync()
    {
        var executable = Candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("No chromium found: install Debian's chromium package (.ci/run does).");
        var playwright = await Playwright.CreateAsync();
        // --no-sandbox: CI runs as root, where Chromium's own sandbox refuses to start.
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = executable, Headless = true, Args = ["--no-sandbox"] });
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var devTools = await context.NewCDPSessionAsync(page);
        await devTools.SendAsync("WebAuthn.enable");
        var authenticator = await devTools.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        return new Chromium(playwright, browser, context, page, devTools, authenticator!.Value.GetProperty("authenticatorId").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
