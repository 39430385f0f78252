"""Pages for people: sign-in, the report form, one's reports, the classifier."""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.pages import (
        admin,
        alerts,
        attachments,
        auth,
        case_exports,
        case_files,
        dashboard,
        documents,
        home,
        imports,
        profile,
        reports,
        rulebooks,
        single_sign_on,
        triage,
    )

    app.register_blueprint(home.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(triage.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(profile.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(rulebooks.bp)
    app.register_blueprint(attachments.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(case_exports.bp)
    app.register_blueprint(case_files.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(single_sign_on.bp)
