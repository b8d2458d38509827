using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Tests.Accounts;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>The admin page: an admin finds an account by its username and gives it a role, without knowing its id.</summary>
public class AdminPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_admin_finds_a_teacher_by_username_and_makes_them_facilitator_who_then_gets_the_console()
    {
        var admin = await Roles.NewAccountWithAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), AccountRoles.Admin, Ct, "adm");
        var teacher = await browser.Client.RegisterAsync(AuthClient.UniqueName("teach"), Roles.Password, Ct);
        var page = await ClientFlows.SignInAccountAsync(() => browser.NewPageAsync(), admin.Username);

        // Before, the web app offered an admin nothing: roles were given with curl, by a user id nobody was shown.
        await page.ClickAsync("#open-admin");
        await Expect(page.Locator("#admin-find-form")).ToBeVisibleAsync();
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "admin");

        // Said at the username typed, which the 404 now names: the alert alone was tied to no field.
        await page.FillAsync("#admin-username", AuthClient.UniqueName("nobody"));
        await page.ClickAsync("#admin-find-submit");
        await FieldErrors.AssertSaidAtAsync(page, "#admin-username", "user_not_found", "No account has that username. Guests have none: the person creates an account first.");
        await Expect(page.Locator("#admin-roles-form")).ToHaveCountAsync(0);

        // Any letter case finds the account.
        await page.FillAsync("#admin-username", teacher.Username.ToUpperInvariant());
        await page.ClickAsync("#admin-find-submit");
        var form = page.Locator("#admin-roles-form");
        await Expect(form).ToHaveAttributeAsync("data-user-id", teacher.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#admin-role-facilitator")).Not.ToBeCheckedAsync();
        await Expect(page.Locator("#error")).ToBeHiddenAsync();

        await page.CheckAsync("#admin-role-facilitator");
        await page.ClickAsync("#admin-roles-save");
        await Expect(page.Locator("#admin-roles-status")).ToContainTextAsync("Saved.");
        await Expect(page.Locator("#admin-audit-table tr[data-role='facilitator'][data-change='granted']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#admin-role-facilitator")).ToBeCheckedAsync();
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "admin-account");

        // A reload comes back to the page and the account on it (before, to the lobby, and the search was to do again).
        await page.ReloadAsync();
        await Expect(form).ToHaveAttributeAsync("data-user-id", teacher.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#admin-role-facilitator")).ToBeCheckedAsync();
        await Expect(page.Locator("#admin-username")).ToHaveValueAsync(teacher.Username);

        // An admin's own admin role is the grain's to refuse; the page says why in words.
        await page.FillAsync("#admin-username", admin.Username);
        await page.ClickAsync("#admin-find-submit");
        await Expect(page.Locator("#admin-role-admin")).ToBeCheckedAsync();
        await page.UncheckAsync("#admin-role-admin");
        await page.ClickAsync("#admin-roles-save");
        await Expect(page.Locator("#error[data-code='cannot_revoke_own_admin']")).ToContainTextAsync("your own admin role");

        // The teacher's next sign-in carries the role.
        var teacherPage = await ClientFlows.SignInAccountAsync(() => browser.NewPageAsync(), teacher.Username);
        await Expect(teacherPage.Locator("#open-console")).ToBeVisibleAsync();
        await teacherPage.Context.CloseAsync();
        await page.Context.CloseAsync();
    }
}
