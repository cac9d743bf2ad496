// The post service: `POST /posts` stores the post and publishes `PostCreated`, then answers.
// Its work is the same for an author with 10 followers and one with 10 million: one write to
// Redis, one record to the log. Pushing the post into followers' feeds is the fan-out
// service's job, later, at its own pace.
import { randomUUID } from 'node:crypto';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { JsonServer, type JsonReply } from '../shared/http-json.js';
import type { RedisClient } from '../shared/redis-server.js';
import type { PostCreated } from './events.js';
import { postKey } from './social-graph.js';

export interface NewPost {
  authorId: string;
  text: string;
}

export class PostService {
  private constructor(
    private readonly producer: Producer<string, string, string, string>,
    private readonly redis: RedisClient,
    private readonly topic: string,
    readonly http: JsonServer,
  ) {}

  static async start(bootstrap: string[], topic: string, redis: RedisClient): Promise<PostService> {
    const producer = new Producer<string, string, string, string>({ clientId: 'post-service', bootstrapBrokers: bootstrap, serializers: stringSerializers });
    let service: PostService | undefined;
    const http = await JsonServer.start((method, url, body) => {
      if (method === 'POST' && url.pathname === '/posts' && service) return service.handlePost(body as NewPost);
      return { status: 404, body: { error: 'not found' } };
    });
    service = new PostService(producer, redis, topic, http);
    return service;
  }

  private async handlePost(post: NewPost): Promise<JsonReply> {
    const [created] = await this.create([post]);
    return { status: 201, body: { postId: created.postId } };
  }

  /** Stores and publishes posts; the bulk path (an import) is the same code as one post. */
  async create(posts: readonly NewPost[]): Promise<PostCreated[]> {
    const events = posts.map((p): PostCreated => ({ type: 'PostCreated', postId: randomUUID(), authorId: p.authorId, text: p.text, createdAt: Date.now() }));
    await Promise.all(events.map((e) => this.redis.set(postKey(e.postId), JSON.stringify(e))));
    await this.producer.send({ messages: events.map((e) => ({ topic: this.topic, key: e.authorId, value: JSON.stringify(e) })), acks: -1 });
    return events;
  }

  async stop(): Promise<void> {
    await this.http.stop();
    await this.producer.close();
  }
}
