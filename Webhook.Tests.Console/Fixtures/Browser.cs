using Microsoft.Playwright;

namespace Webhook.Tests.Console.Fixtures;

/// <summary>
/// Debian's Chromium driven by Playwright, one per test collection (a launch costs a second and a half, and two
/// browsers on two cores slow each other); each test opens a context of its own, so cookies never cross tests.
/// Never a browser Playwright downloads: CHROMIUM_PATH, else Debian's /usr/lib/chromium/chromium.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string DefaultExecutable = "/usr/lib/chromium/chromium";

    IPlaywright? _playwright;
    IBrowser? _browser;

    public string Version => _browser?.Version ?? "";

    public async Task LaunchAsync()
    {
        var executable = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : DefaultExecutable;
        if (!File.Exists(executable))
            throw new FileNotFoundException($"{executable} is missing: deploy/local/test.sh installs Debian's chromium (apt-get install chromium).");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true });
    }

    /// <summary>A page in a fresh context (no cookie), its relative URLs resolved against <paramref name="baseAddress"/>.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1200, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in on the sign-in page with <paramref name="key"/>.</summary>
    public static async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync("/sign-in");
        await page.FillAsync("input[name=key]", key);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForLoadStateAsync();
    }

    /// <summary>
    /// A screenshot of the page for the documentation, when WEBHOOK_SCREENSHOTS names a directory (the README's
    /// pictures are made so); nothing otherwise.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name, bool fullPage = true)
    {
        if (Environment.GetEnvironmentVariable("WEBHOOK_SCREENSHOTS") is not { Length: > 0 } directory)
            return;
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"console-{name}.png"), FullPage = fullPage });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
