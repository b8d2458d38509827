using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Tests.Accounts;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// The first admin of an embedded server, on the page: the setup code it prints goes with a new account. A fixture of
/// its own, since any other test's admin would spend the code.
/// </summary>
public class FirstAdminTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_setup_code_entered_with_a_new_account_makes_it_the_admin()
    {
        var code = await browser.Services.GetRequiredService<IGrainFactory>().GetGrain<IAccountsGrain>(0).GetAdminSetupCodeAsync(Ct);
        Assert.NotNull(code);
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");

        // Before, the form had no place for it: the code printed at start-up could only be sent with curl.
        await page.ClickAsync("#setup-details summary");
        await Expect(page.Locator("#account-setup-code")).ToBeVisibleAsync();
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "sign-in-setup");

        var username = AuthClient.UniqueName("first");
        await page.FillAsync("#account-username", username);
        await page.FillAsync("#account-password", Roles.Password);
        await page.FillAsync("#account-setup-code", "wrong" + code);
        await page.ClickAsync("#register-submit");
        await Expect(page.Locator("#error[data-code='invalid_setup_code']")).ToContainTextAsync("setup code is wrong");

        await page.FillAsync("#account-setup-code", code!);
        await page.ClickAsync("#register-submit");
        await Expect(page.Locator("#open-admin")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        Assert.Null(await browser.Services.GetRequiredService<IGrainFactory>().GetGrain<IAccountsGrain>(0).GetAdminSetupCodeAsync(Ct));
        await page.Context.CloseAsync();
    }
}
