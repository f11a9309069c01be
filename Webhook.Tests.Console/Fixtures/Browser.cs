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
        // Every wait ends on its signal (an element, a navigation); the timeout only bounds a console that never
        // answers, and is long because two busy cores can take many seconds over a first page.
        context.SetDefaultTimeout(120_000);
        context.SetDefaultNavigationTimeout(120_000);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in on the sign-in page with <paramref name="key"/>.</summary>
    public static async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync("/sign-in");
        await page.FillAsync("input[name=key]", key);
        // The form posts, and the answer (the page signed in to, or the sign-in page saying why not) is a navigation.
#pragma warning disable CS0612, CS0618 // RunAndWaitForNavigationAsync: the one wait that cannot miss a fast answer.
        await page.RunAndWaitForNavigationAsync(() => page.ClickAsync("button[type=submit]"));
#pragma warning restore CS0612, CS0618
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
