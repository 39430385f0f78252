"""The account commands of contract.md."""

from app.cli import cli


def test_establishment_user_and_token_from_the_command_line(runner, engine, client):
    assert runner.invoke(cli, ["establishments", "add", "750712184", "--name", "AP-HP Saint-Louis"]).exit_code == 0
    created = runner.invoke(
        cli,
        [
            "users",
            "create",
            "Dr.Martin@Example.org",
            "--role",
            "correspondent",
            "--establishment",
            "750712184",
            "--vigilance",
            "haemovigilance",
            "--vigilance",
            "biovigilance",
            "--password",
            "a long enough password",
        ],
    )
    assert created.exit_code == 0, created.output
    assert "haemovigilance" in created.output and "biovigilance" in created.output
    issued = runner.invoke(cli, ["tokens", "issue", "dr.martin@example.org"])
    assert issued.exit_code == 0
    token = issued.output.strip().splitlines()[-1]
    assert token.startswith("vig_") and " " not in token
    assert client.get("/api/v1/reports", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = runner.invoke(cli, ["users", "list"]).output
    assert "dr.martin@example.org\tcorrespondent\t750712184\tbiovigilance,haemovigilance\tactive" in listing


def test_bad_account_input_is_refused_with_a_reason(runner, engine):
    bad_finess = runner.invoke(cli, ["establishments", "add", "12345", "--name", "X"])
    assert bad_finess.exit_code != 0 and "FINESS" in bad_finess.output
    runner.invoke(cli, ["establishments", "add", "750712184", "--name", "AP-HP"])
    duplicate = runner.invoke(cli, ["establishments", "add", "750712184", "--name", "AP-HP"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    no_queue = runner.invoke(
        cli,
        [
            "users",
            "create",
            "c@example.org",
            "--role",
            "correspondent",
            "--establishment",
            "750712184",
            "--password",
            "a long enough password",
        ],
    )
    assert no_queue.exit_code != 0 and "queue" in no_queue.output
    unknown_place = runner.invoke(
        cli, ["users", "create", "r@example.org", "--role", "reporter", "--establishment", "999999999"]
    )
    assert unknown_place.exit_code != 0 and "999999999" in unknown_place.output
    short_password = runner.invoke(
        cli,
        [
            "users",
            "create",
            "r@example.org",
            "--role",
            "reporter",
            "--establishment",
            "750712184",
            "--password",
            "short",
        ],
    )
    assert short_password.exit_code != 0 and "12 characters" in short_password.output


def test_a_generated_password_is_printed_once(runner, engine):
    runner.invoke(cli, ["establishments", "add", "750712184", "--name", "AP-HP"])
    result = runner.invoke(
        cli, ["users", "create", "r@example.org", "--role", "reporter", "--establishment", "750712184"]
    )
    assert result.exit_code == 0
    assert "password: " in result.output
