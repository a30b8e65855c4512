from django.contrib.auth import views as auth_views
from django.urls import path

from editor.web import accounts as views_accounts
from editor.web import analysis as views_analysis
from editor.web import history as views_history
from editor.web import sharing as views_sharing
from editor.web import traffic as views_traffic
from editor.web import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.design_list, name="design-list"),
    # staff: users and API tokens (editor/web/accounts.py)
    path("staff/users/", views_accounts.staff_users, name="staff-users"),
    path("staff/users/<int:pk>/token/", views_accounts.staff_token_reset, name="staff-token-reset"),
    path("staff/users/<int:pk>/token/revoke/", views_accounts.staff_token_revoke, name="staff-token-revoke"),
    path("designs/new/", views.design_create, name="design-create"),
    path("designs/new/template/", views.design_create_from_template, name="design-create-template"),
    # import, connections, check a connection, truth table, kept policies (editor/web/analysis.py)
    path("designs/import/", views_analysis.design_import, name="design-import-page"),
    # observed traffic (issue 13: editor/web/traffic.py)
    path("designs/from-traffic/", views_traffic.design_from_traffic, name="design-from-traffic"),
    path(
        "designs/from-traffic/preview/", views_traffic.design_from_traffic_preview, name="design-from-traffic-preview"
    ),
    path("designs/<int:pk>/traffic-check/", views_traffic.design_traffic_check, name="design-traffic-check"),
    path("designs/<int:pk>/analysis/", views_analysis.design_analysis, name="design-analysis"),
    path("designs/<int:pk>/check/", views_analysis.design_check, name="design-check"),
    path("designs/<int:pk>/matrix/", views_analysis.design_matrix, name="design-matrix"),
    path("designs/<int:pk>/policies/new/", views_analysis.policy_add, name="policy-add"),
    path("designs/<int:pk>/policies/<int:policy_pk>/", views_analysis.policy_edit, name="policy-edit"),
    path("designs/<int:pk>/policies/<int:policy_pk>/delete/", views_analysis.policy_delete, name="policy-delete"),
    path("designs/<int:pk>/policies/<int:policy_pk>/form/", views_analysis.policy_form, name="policy-form"),
    path("designs/<int:pk>/", views.design_detail, name="design-detail"),
    path("designs/<int:pk>/rename/", views.design_rename, name="design-rename"),
    path("designs/<int:pk>/duplicate/", views.design_duplicate, name="design-duplicate"),
    path("designs/<int:pk>/delete/", views.design_delete, name="design-delete"),
    path("designs/<int:pk>/download/", views.design_download, name="design-download"),
    path("designs/<int:pk>/download/<slug:target>/", views.design_download, name="design-download-target"),
    path("designs/<int:pk>/target/", views.design_target, name="design-target"),
    # sharing and history (editor/web/sharing.py, editor/web/history.py)
    path("designs/<int:pk>/sharing/", views_sharing.design_sharing, name="design-sharing"),
    path("designs/<int:pk>/sharing/shares/", views_sharing.share_add, name="share-add"),
    path("designs/<int:pk>/sharing/shares/<int:share_pk>/", views_sharing.share_change, name="share-change"),
    path("designs/<int:pk>/sharing/links/", views_sharing.link_add, name="link-add"),
    path("designs/<int:pk>/sharing/links/<int:link_pk>/revoke/", views_sharing.link_revoke, name="link-revoke"),
    path("shared/<str:token>/", views_sharing.shared_design, name="shared-design"),
    path("designs/<int:pk>/history/", views_history.design_history, name="design-history"),
    path("designs/<int:pk>/history/<int:number>/", views_history.revision_detail, name="revision-detail"),
    path("designs/<int:pk>/history/<int:number>/restore/", views_history.revision_restore, name="revision-restore"),
    path("designs/<int:pk>/settings/", views.design_settings, name="design-settings"),
    path("designs/<int:pk>/fix/<slug:code>/", views.design_fix, name="design-fix"),
    path("designs/<int:pk>/undo/", views.design_undo, name="design-undo"),
    path("designs/<int:pk>/redo/", views.design_redo, name="design-redo"),
    path("designs/<int:pk>/select/", views.design_select, name="design-select"),
    path("designs/<int:pk>/connect/", views.design_connect, name="design-connect"),
    path("designs/<int:pk>/cancel/", views.design_cancel, name="design-cancel"),
    path("designs/<int:pk>/expand/", views.design_expand, name="design-expand"),
    path("designs/<int:pk>/focus/", views.design_focus, name="design-focus"),
    path("designs/<int:pk>/remove/", views.design_remove, name="design-remove"),
    path("designs/<int:pk>/move/", views.design_move, name="design-move"),
    path("designs/<int:pk>/layout/", views.design_layout, name="design-layout"),
    path("designs/<int:pk>/workloads/", views.workload_add, name="workload-add"),
    path("designs/<int:pk>/workloads/<int:part_pk>/", views.workload_edit, name="workload-edit"),
    path("designs/<int:pk>/externals/", views.external_add, name="external-add"),
    path("designs/<int:pk>/externals/<int:part_pk>/", views.external_edit, name="external-edit"),
    path("designs/<int:pk>/namespaces/<int:part_pk>/", views.namespace_edit, name="namespace-edit"),
    path("designs/<int:pk>/flows/", views.flow_add, name="flow-add"),
    path("designs/<int:pk>/flows/<int:part_pk>/", views.flow_edit, name="flow-edit"),
]
