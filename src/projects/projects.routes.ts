import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalidateProjectAccess } from '../items/item-page-cache.js';
import { actorOf } from '../http/actor.js';
import { ifMatchOf, withEtag } from '../http/preconditions.js';
import { bearer, NoContent, Page, PageQuery, problems } from '../http/schemas.js';
import { addMember, changeMemberRole, listMembers, removeMember } from './members.service.js';
import {
  AddMemberBody,
  MemberParams,
  MemberRoleBody,
  MemberSchema,
  NewProjectBody,
  ProjectParams,
  ProjectPatchBody,
  ProjectSchema,
} from './projects.schemas.js';
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  updateProject,
} from './projects.service.js';

/** `/api/v1/projects`: projects and their members. */
export const projectRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['projects'], security: bearer };
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/projects',
    {
      schema: {
        ...common,
        summary: "The caller's projects (owned or member of)",
        querystring: PageQuery,
        response: { 200: Page(ProjectSchema), ...problems(400, 401) },
      },
    },
    (request) => listProjects(app.db, actorOf(request).userId, request.query),
  );

  app.post(
    '/projects',
    {
      schema: {
        ...common,
        summary: 'Create a project; the caller becomes its owner',
        body: NewProjectBody,
        response: { 201: ProjectSchema, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const project = await createProject(app.db, actorOf(request).userId, request.body);
      return withEtag(reply.code(201), project);
    },
  );

  app.get(
    '/projects/:projectId',
    {
      schema: {
        ...common,
        summary: 'A project (its version is the ETag)',
        params: ProjectParams,
        response: { 200: ProjectSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) =>
      withEtag(reply, await getProject(app.db, actorOf(request).userId, request.params.projectId)),
  );

  app.patch(
    '/projects/:projectId',
    {
      schema: {
        ...common,
        summary: 'Rename or re-describe a project (owners; honours If-Match)',
        params: ProjectParams,
        body: ProjectPatchBody,
        response: { 200: ProjectSchema, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const project = await updateProject(
        app.db,
        actorOf(request).userId,
        request.params.projectId,
        request.body,
        ifMatchOf(request),
      );
      return withEtag(reply, project);
    },
  );

  app.delete(
    '/projects/:projectId',
    {
      schema: {
        ...common,
        summary: 'Delete a project and everything in it (owners; honours If-Match)',
        params: ProjectParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await deleteProject(
        app.db,
        actorOf(request).userId,
        request.params.projectId,
        ifMatchOf(request),
      );
      await invalidateProjectAccess(app.cache, request.params.projectId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/projects/:projectId/members',
    {
      schema: {
        ...common,
        summary: "A project's members",
        params: ProjectParams,
        querystring: PageQuery,
        response: { 200: Page(MemberSchema), ...problems(400, 401, 404) },
      },
    },
    (request) =>
      listMembers(app.db, actorOf(request).userId, request.params.projectId, request.query),
  );

  app.post(
    '/projects/:projectId/members',
    {
      schema: {
        ...common,
        summary: 'Add an existing user by e-mail (owners)',
        params: ProjectParams,
        body: AddMemberBody,
        response: { 201: MemberSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const member = await addMember(
        app.db,
        actorOf(request).userId,
        request.params.projectId,
        request.body,
      );
      return reply.code(201).send(member);
    },
  );

  app.patch(
    '/projects/:projectId/members/:userId',
    {
      schema: {
        ...common,
        summary: "Change a member's role (owners; the last owner cannot be demoted)",
        params: MemberParams,
        body: MemberRoleBody,
        response: { 200: MemberSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    (request) =>
      changeMemberRole(
        app.db,
        actorOf(request).userId,
        request.params.projectId,
        request.params.userId,
        request.body.role,
      ),
  );

  app.delete(
    '/projects/:projectId/members/:userId',
    {
      schema: {
        ...common,
        summary: 'Remove a member (owners), or leave (anyone); never the last owner',
        params: MemberParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await removeMember(
        app.db,
        actorOf(request).userId,
        request.params.projectId,
        request.params.userId,
      );
      // A cached membership must not outlive the membership.
      await invalidateProjectAccess(app.cache, request.params.projectId);
      return reply.code(204).send(null);
    },
  );
  await Promise.resolve();
};
